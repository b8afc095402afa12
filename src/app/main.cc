// ujumbe: the multi-tenant business-messaging server.

#include <boost/program_options.hpp>

#include <iostream>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "core/config.h"
#include "core/log.h"

namespace po = boost::program_options;

int main(int argc, char** argv) {
    // The simulator reads its own options (ujumbe smsc --help).
    if (argc >= 2 && std::string_view(argv[1]) == "smsc")
        return ujumbe::app::smsc(std::vector<std::string>(argv + 2, argv + argc));
    po::options_description options(
        "Usage: ujumbe [--config FILE] <serve|migrate|admin|version> [task]\n"
        "       ujumbe smsc [options]   (an SMSC simulator; ujumbe smsc --help)\nOptions");
    options.add_options()("help,h", "show this help")("config,c", po::value<std::string>(),
                                                      "configuration file (key = value lines)")(
        "log-format", po::value<std::string>(),
        "json (one object a line, the default) or text (for a terminal)")(
        "command", po::value<std::string>()->default_value("serve"),
        "serve, migrate, admin or version")("args", po::value<std::vector<std::string>>(),
                                            "the admin task");
    po::positional_options_description positional;
    positional.add("command", 1).add("args", -1);
    po::variables_map vars;
    try {
        po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(),
                  vars);
        po::notify(vars);
    } catch (const po::error& e) {
        std::cerr << "ujumbe: " << e.what() << "\n" << options << "\n";
        return 2;
    }
    if (vars.count("help")) {
        std::cout << options << "\n";
        return 0;
    }
    const std::string command = vars["command"].as<std::string>();
    if (vars.count("args") && command != "admin") {
        std::cerr << "ujumbe: '" << command << "' takes no arguments\n" << options << "\n";
        return 2;
    }
    if (command == "version") {
        std::cout << "ujumbe 0.1.0\n";
        return 0;
    }
    std::optional<std::string> file;
    if (vars.count("config")) file = vars["config"].as<std::string>();
    auto config = ujumbe::load_config(file, ujumbe::process_env);
    if (!config) {
        std::cerr << "ujumbe: configuration: " << config.error().message << "\n";
        return 2;
    }
    if (vars.count("log-format")) {
        const auto format = vars["log-format"].as<std::string>();
        if (format != "json" && format != "text") {
            std::cerr << "ujumbe: --log-format must be json or text\n";
            return 2;
        }
        config->log_format = format;
    }
    ujumbe::log::set_level(config->log_level);
    ujumbe::log::set_format(config->log_format);
    if (command == "serve") return ujumbe::app::serve(*config);
    if (command == "migrate") return ujumbe::app::migrate(*config);
    if (command == "admin")
        return ujumbe::app::admin(*config, vars.count("args")
                                               ? vars["args"].as<std::vector<std::string>>()
                                               : std::vector<std::string>{});
    std::cerr << "ujumbe: unknown command '" << command << "'\n" << options << "\n";
    return 2;
}
