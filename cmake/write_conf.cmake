# Writes the installed configuration file with the binary itself:
#   cmake -DBIN=... -DDATA_DIR=... -DOUT=... -P write_conf.cmake
execute_process(COMMAND "${BIN}" --set "data_dir=${DATA_DIR}" config example
                OUTPUT_FILE "${OUT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "ujumbe config example failed: ${status}")
endif()
