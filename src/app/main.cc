// ujumbe: the multi-tenant business-messaging server.

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <string_view>
#include <vector>

#include "app/commands.h"
#include "core/config.h"
#include "core/log.h"

namespace po = boost::program_options;

namespace {

// Where the command word is: the first word that is neither an option nor
// the value of --config or --log-format (argc when there is none).
int command_at(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view word(argv[i]);
        if (word == "--config" || word == "-c" || word == "--log-format" || word == "--set" ||
            word == "-s") {
            ++i;
            continue;
        }
        if (!word.starts_with('-')) return i;
    }
    return argc;
}

// `ujumbe config check`: the settings in effect, secrets hidden.
void print_settings(const ujumbe::Config& config, const ujumbe::ConfigSources& sources,
                    const std::optional<std::string>& file) {
    std::cout << "configuration is valid" << (file ? " (file " + *file + ")" : "") << "\n";
    const auto shown = ujumbe::shown_settings(config, sources);
    std::size_t width = 0;
    for (const auto& s : shown) width = std::max(width, s.key.size());
    for (const auto& s : shown) {
        std::string key = s.key;
        key.resize(width, ' ');
        std::cout << key << " = " << s.value << "  (" << s.source << ")\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    // The simulator reads its own options (ujumbe smsc --help).
    if (argc >= 2 && std::string_view(argv[1]) == "smsc")
        return ujumbe::app::smsc(std::vector<std::string>(argv + 2, argv + argc));
    // An admin task reads its own options (ujumbe admin TASK --help): the
    // words after `admin` are its, the ones before are the server's.
    std::vector<std::string> admin_args;
    const int command = command_at(argc, argv);
    if (command < argc && std::string_view(argv[command]) == "admin") {
        admin_args.assign(argv + command + 1, argv + argc);
        argc = command + 1;
        ujumbe::log::use_stderr();  // stdout is the task's answer
    }
    po::options_description options(
        "Usage: ujumbe [--config FILE] [--set KEY=VALUE]... <serve|migrate|admin|version>\n"
        "       ujumbe [--config FILE] admin <task> [options]   (ujumbe admin --help)\n"
        "       ujumbe [--config FILE] [--set KEY=VALUE]... config <check|example>\n"
        "       ujumbe smsc [options]   (an SMSC simulator; ujumbe smsc --help)\n"
        "Settings: defaults, then the file, then UJUMBE_* variables, then --set "
        "(docs/configuration.md)\nOptions");
    options.add_options()("help,h", "show this help")("config,c", po::value<std::string>(),
                                                      "configuration file (key = value lines)")(
        "log-format", po::value<std::string>(),
        "json (one object a line, the default) or text (for a terminal)")(
        "set,s", po::value<std::vector<std::string>>()->composing(),
        "a setting, as in the file (listen=0.0.0.0:8080); wins over the file and the "
        "environment")("dry-run", "with migrate: list the migrations that would run, and run none")(
        "command", po::value<std::string>()->default_value("serve"),
        "serve, migrate, admin, config or version")("what", po::value<std::string>(),
                                                    "with config: check or example");
    po::positional_options_description positional;
    positional.add("command", 1).add("what", 1);
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
    const std::string command_word = vars["command"].as<std::string>();
    if (command_word == "version") {
        std::cout << "ujumbe 0.1.0\n";
        return 0;
    }
    std::optional<std::string> file;
    if (vars.count("config")) file = vars["config"].as<std::string>();
    std::vector<std::string> overrides;
    if (vars.count("set")) overrides = vars["set"].as<std::vector<std::string>>();
    // --log-format is a flag for one setting, read again as one on reload.
    if (vars.count("log-format"))
        overrides.push_back("log_format=" + vars["log-format"].as<std::string>());
    ujumbe::ConfigSources sources;
    auto config = ujumbe::load_config(file, ujumbe::process_env, overrides, &sources);
    if (!config) {
        std::cerr << "ujumbe: configuration: " << config.error().message << "\n";
        return 2;
    }
    const std::string what = vars.count("what") ? vars["what"].as<std::string>() : "";
    if (command_word == "config") {
        if (what == "check") {
            print_settings(*config, sources, file);
            return 0;
        }
        if (what == "example") {
            std::cout << ujumbe::example_config(*config, sources);
            return 0;
        }
        std::cerr << "ujumbe: config takes one word: check or example\n";
        return 2;
    }
    if (!what.empty()) {
        std::cerr << "ujumbe: unexpected word '" << what << "'\n" << options << "\n";
        return 2;
    }
    ujumbe::log::set_level(config->log_level);
    ujumbe::log::set_format(config->log_format);
    if (command_word == "serve")
        return ujumbe::app::serve(*config, [file, overrides] {
            return ujumbe::load_config(file, ujumbe::process_env, overrides);
        });
    if (command_word == "migrate") return ujumbe::app::migrate(*config, vars.count("dry-run") > 0);
    if (command_word == "admin") return ujumbe::app::admin(*config, admin_args);
    std::cerr << "ujumbe: unknown command '" << command_word << "'\n" << options << "\n";
    return 2;
}
