"""`ujumbe config check` (docs/configuration.md): the settings as `serve`
reads them, defaults < file < environment < `--set` flags, each shown with
where it came from and no secret shown; an unknown key or a bad value is
named, exit 2.
"""

import os

import ujumbe_it as u


def env_without_settings(**settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith("UJUMBE_")}
    env.update(settings)
    return env


def shown(stdout):
    out = {}
    for line in stdout.splitlines()[1:]:
        key, _, rest = line.partition(" = ")
        value, _, source = rest.rpartition("  (")
        out[key.strip()] = (value, source.rstrip(")"))
    return out


def test_each_source_wins_over_the_one_before_and_secrets_stay_hidden(tmp_path):
    conf = tmp_path / "ujumbe.conf"
    conf.write_text("# the operator's file\nlisten = 0.0.0.0:9001\nthreads = 2\n"
                    "log_level = warn\nmetrics_token = scrape-secret-1\n")
    env = env_without_settings(UJUMBE_THREADS="4", UJUMBE_LOG_LEVEL="error",
                               UJUMBE_SECRET_KEY="s" * 40,
                               UJUMBE_DATABASE_URL="postgresql://ujumbe:hunter2@db/u")
    done = u.run_binary(env, "--config", str(conf), "--set", "threads=6", "--set",
                        "audit_log=false", "config", "check")
    assert done.returncode == 0, done
    assert done.stdout.startswith("configuration is valid (file %s)" % conf)
    s = shown(done.stdout)
    assert s["listen"] == ("0.0.0.0:9001", "file")
    assert s["log_level"] == ("error", "environment")
    assert s["threads"] == ("6", "flag")
    assert s["audit_log"] == ("false", "flag")
    assert s["data_dir"] == ("./var", "default")
    assert s["secret_key"] == ("(set, hidden)", "environment")
    assert s["metrics_token"] == ("(set, hidden)", "file")
    assert s["database_url"] == ("postgresql://ujumbe:***@db/u", "environment")
    for secret in ("scrape-secret-1", "hunter2", "s" * 40):
        assert secret not in done.stdout + done.stderr


def test_a_wrong_key_or_value_is_named_and_nothing_runs(tmp_path):
    env = env_without_settings()
    for args, named in ((["--set", "lisen=1"], "unknown key 'lisen'"),
                        (["--set", "threads=many"], "threads"),
                        (["--set", "threads"], "key=value")):
        done = u.run_binary(env, *args, "config", "check")
        assert done.returncode == 2 and named in done.stderr, (args, done)
    conf = tmp_path / "bad.conf"
    conf.write_text("listen = 127.0.0.1:0\nreceipt_timout_s = 5\n")
    done = u.run_binary(env, "--config", str(conf), "config", "check")
    assert done.returncode == 2 and "bad.conf:2: unknown key 'receipt_timout_s'" in done.stderr
    done = u.run_binary(env, "config", "show")
    assert done.returncode == 2 and "check" in done.stderr
