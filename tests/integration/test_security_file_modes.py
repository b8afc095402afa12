"""Files: the data directory is 0700 and every file the server writes in it
(secret, node id, database and journal, spooled uploads, exports, media) is
0600 from creation."""

import os
import stat

import ujumbe_it as u


def _modes(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = stat.S_IMODE(os.lstat(path).st_mode)
    return out


def test_data_dir_and_its_files_are_private(server_factory):
    # No secret in the environment: the server generates secret.key itself.
    # The suite creates the data directory with the default umask (0755):
    # the server restricts it.
    srv = server_factory(env={"UJUMBE_SECRET_KEY": None}, label="modes")
    owner = u.register(srv.api)
    u.import_csv(srv.api, owner.access, b"phone,name\n+254712000001,A\n")
    u.assert_ok(srv.api("POST", "/media", token=owner.access, content_type="image/png",
                        raw_body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), 201)
    assert stat.S_IMODE(os.stat(srv.data_dir).st_mode) == 0o700
    modes = _modes(srv.data_dir)
    assert "secret.key" in modes and "node.id" in modes, modes
    for path, mode in modes.items():
        want = 0o700 if os.path.isdir(srv.data_dir / path) else 0o600
        assert mode & 0o077 == 0, "%s is %o" % (path, mode)
        assert mode == want or os.path.isdir(srv.data_dir / path), "%s is %o" % (path, mode)
