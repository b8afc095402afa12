#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

namespace ujumbe {

namespace {
EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::string write_temp(const std::string& text) {
    std::string path = testing::TempDir() + "ujumbe_config_test.conf";
    std::ofstream(path) << text;
    return path;
}
}  // namespace

TEST(Config, DefaultsGiveEmbeddedDatabaseInDataDir) {
    auto c = load_config(std::nullopt, env_of({}));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->listen, "127.0.0.1:8080");
    EXPECT_EQ(c->effective_database_url(), "sqlite:./var/ujumbe.db");
}

TEST(Config, EnvironmentWinsOverFile) {
    const auto path =
        write_temp("# comment\nlisten = 0.0.0.0:9000\nthreads = 3\nlog_level=\"debug\"\n");
    auto c = load_config(path, env_of({{"UJUMBE_THREADS", "5"}}));
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->listen, "0.0.0.0:9000");
    EXPECT_EQ(c->threads, 5);
    EXPECT_EQ(c->log_level, "debug");
}

TEST(Config, BadValuesNameTheKey) {
    auto c = load_config(std::nullopt, env_of({{"UJUMBE_LOGIN_MAX_FAILURES", "many"}}));
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.error().errors.count("login_max_failures"));
    auto d = load_config(std::nullopt, env_of({{"UJUMBE_LOG_LEVEL", "loud"}}));
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().errors.count("log_level"));
}

TEST(Config, DurationsAtTheEdgeOfInt64AreRefused) {
    // Each becomes microseconds: the largest int64 would overflow.
    for (const char* key :
         {"UJUMBE_WEBHOOK_POLL_MS", "UJUMBE_WEBHOOK_TIMEOUT_MS", "UJUMBE_RECEIPT_TIMEOUT_S",
          "UJUMBE_WEBHOOK_KEEP_DAYS", "UJUMBE_ACCESS_TOKEN_TTL_S"}) {
        auto c = load_config(std::nullopt, env_of({{key, "9223372036854775807"}}));
        EXPECT_FALSE(c) << key;
    }
    auto c = load_config(std::nullopt, env_of({{"UJUMBE_WEBHOOK_POLL_MS", "9223372036854775807"}}));
    ASSERT_FALSE(c);
    EXPECT_TRUE(c.error().errors.count("webhook_poll_ms"));
    auto ok = load_config(std::nullopt, env_of({{"UJUMBE_WEBHOOK_POLL_MS", "600000"}}));
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->webhook_poll_ms, 600000);
}

TEST(Config, TlsNeedsBothTheCertificateAndTheKey) {
    auto cert_only = load_config(std::nullopt, env_of({{"UJUMBE_TLS_CERT_FILE", "/etc/c.pem"}}));
    ASSERT_FALSE(cert_only);
    EXPECT_TRUE(cert_only.error().errors.contains("tls_key_file"));
    auto key_only = load_config(std::nullopt, env_of({}), {"tls_key_file=/etc/k.pem"});
    ASSERT_FALSE(key_only);
    EXPECT_TRUE(key_only.error().errors.contains("tls_cert_file"));
    auto both = load_config(std::nullopt, env_of({{"UJUMBE_TLS_CERT_FILE", "/etc/c.pem"}}),
                            {"tls_key_file=/etc/k.pem"});
    ASSERT_TRUE(both) << both.error().message;
    EXPECT_EQ(both->tls_key_file, "/etc/k.pem");
    auto smpp_cert_only = load_config(std::nullopt, env_of({}), {"smpp_tls_cert_file=/etc/c.pem"});
    ASSERT_FALSE(smpp_cert_only);
    EXPECT_TRUE(smpp_cert_only.error().errors.contains("smpp_tls_key_file"));
}

TEST(Config, UnknownFileKeysAreRefused) {
    const auto path = write_temp("lisen = 1\n");
    auto c = load_config(path, env_of({}));
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("lisen"), std::string::npos);
}

TEST(Config, FlagsWinOverTheEnvironmentAndSayWhereEachValueCameFrom) {
    const auto path = write_temp("listen = 0.0.0.0:9000\nthreads = 3\ncurrency = TZS\n");
    ConfigSources sources;
    auto c = load_config(path, env_of({{"UJUMBE_THREADS", "5"}, {"UJUMBE_DB_THREADS", "2"}}),
                         {"threads=7", " audit_log = false "}, &sources);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->listen, "0.0.0.0:9000");
    EXPECT_EQ(c->threads, 7);
    EXPECT_EQ(c->db_threads, 2);
    EXPECT_FALSE(c->audit_log);
    EXPECT_EQ(sources.at("listen"), "file");
    EXPECT_EQ(sources.at("threads"), "flag");
    EXPECT_EQ(sources.at("db_threads"), "environment");
    std::map<std::string, ShownSetting> shown;
    for (auto& s : shown_settings(*c, sources)) shown[s.key] = s;
    EXPECT_EQ(shown.at("threads").value, "7");
    EXPECT_EQ(shown.at("audit_log").value, "false");
    EXPECT_EQ(shown.at("currency").value, "TZS");
    EXPECT_EQ(shown.at("currency").source, "file");
    EXPECT_EQ(shown.at("data_dir").value, "./var");
    EXPECT_EQ(shown.at("data_dir").source, "default");
}

TEST(Config, AnUnknownOrMalformedFlagIsRefusedByName) {
    auto c = load_config(std::nullopt, env_of({}), {"lisen=1"});
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("unknown key 'lisen'"), std::string::npos);
    auto d = load_config(std::nullopt, env_of({}), {"threads"});
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().errors.count("set"));
    auto e = load_config(std::nullopt, env_of({}), {"threads=-1"});
    ASSERT_FALSE(e);
    EXPECT_TRUE(e.error().errors.count("threads"));
}

TEST(Config, SecretsAreNeverShown) {
    auto c = load_config(std::nullopt,
                         env_of({{"UJUMBE_SECRET_KEY", "k-0123456789abcdef0123456789abcdef"},
                                 {"UJUMBE_METRICS_TOKEN", "scrape-me"},
                                 {"UJUMBE_DATABASE_URL", "postgresql://ujumbe:hunter2@db:5432/u"}}),
                         {"admin_password=pa55word-1234"});
    ASSERT_TRUE(c);
    std::string all;
    for (const auto& s : shown_settings(*c, {})) all += s.key + "=" + s.value + "\n";
    for (const char* secret : {"k-0123456789abcdef", "scrape-me", "hunter2", "pa55word"})
        EXPECT_EQ(all.find(secret), std::string::npos) << secret;
    EXPECT_NE(all.find("secret_key=(set, hidden)"), std::string::npos);
    EXPECT_NE(all.find("database_url=postgresql://ujumbe:***@db:5432/u"), std::string::npos);
    auto q = load_config(std::nullopt, env_of({}),
                         {"database_url=postgresql://db/u?user=ujumbe&password=hunter2&x=1"});
    ASSERT_TRUE(q);
    for (const auto& s : shown_settings(*q, {})) {
        if (s.key == "database_url") {
            EXPECT_EQ(s.value, "postgresql://db/u?user=ujumbe&password=***&x=1");
        }
    }
    EXPECT_EQ(changed_settings(*c, *q).size(), 4u);            // the secrets' keys, never values
    EXPECT_NE(all.find("smpp_listen=\n"), std::string::npos);  // unset: empty
    EXPECT_EQ(env_name("receipt_timeout_s"), "UJUMBE_RECEIPT_TIMEOUT_S");
}

TEST(Config, TheExampleFileReadsBackAndSetsOnlyWhatWasGiven) {
    ConfigSources sources;
    auto c = load_config(std::nullopt,
                         env_of({{"UJUMBE_SECRET_KEY", "k-0123456789abcdef0123456789abcdef"},
                                 {"UJUMBE_THREADS", "3"}}),
                         {"data_dir=/var/lib/ujumbe"}, &sources);
    ASSERT_TRUE(c);
    const std::string text = example_config(*c, sources);
    EXPECT_NE(text.find("\ndata_dir = /var/lib/ujumbe\n"), std::string::npos);
    EXPECT_NE(text.find("\n# listen = 127.0.0.1:8080\n"), std::string::npos);
    EXPECT_NE(text.find("\n# secret_key = \n"), std::string::npos);
    EXPECT_NE(text.find("\n# threads = 0\n"), std::string::npos);  // not the environment's
    EXPECT_EQ(text.find("k-0123456789"), std::string::npos);
    const auto path = write_temp(text);
    ConfigSources read;
    auto back = load_config(path, env_of({}), {}, &read);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->data_dir, "/var/lib/ujumbe");
    EXPECT_EQ(read, (ConfigSources{{"data_dir", "file"}}));
}

}  // namespace ujumbe
