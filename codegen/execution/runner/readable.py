"""What a sandboxed run may read: the interpreter's folders whole, the project's files without
secrets, a few system files."""

import os
import re
import sys

# Files under /etc and /dev that ordinary programs need; the rest of /etc stays unreadable.
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "passwd",
    "group",
    "nsswitch.conf",
    "hosts",
    "mime.types",
    "os-release",
    "ssl",
    "ca-certificates",
    "alternatives",
)
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
_SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
# In the project's folders: names never made readable (secrets live in dotfiles and key files).
_SECRET_NAME = re.compile(
    r"^\.|\.(pem|key|p12|pfx|kdbx|keystore)$|^id_(rsa|dsa|ecdsa|ed25519)|credential|secret",
    re.IGNORECASE,
)
_SKIPPED_DIRS = ("__pycache__", "node_modules")
MAX_PROJECT_ENTRIES = 20000


def project_files(roots, limit=MAX_PROJECT_ENTRIES):
    """Directories and regular files under the project folders, without dot-names and key files."""
    directories, files, seen = [], [], 0
    stack = [root for root in roots if os.path.isdir(root)]
    while stack and seen < limit:
        directory = stack.pop()
        directories.append(directory)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > limit or _SECRET_NAME.search(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIPPED_DIRS and not os.path.exists(
                        os.path.join(entry.path, "pyvenv.cfg")
                    ):
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.path)
            except OSError:
                continue
    return directories, files


def interpreter_paths(lib_dir):
    """What the test interpreter needs to read: (folders readable whole, folders filtered like a
    project).

    Its prefixes, standard library, site-packages and our coverage are readable whole; import-path
    entries elsewhere (an editable install's project folder, say) get the project treatment: no
    dotfiles such as `.env`, no key files.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    whole = set(prefixes) | {lib_dir, os.path.dirname(os.path.realpath(sys.executable))}
    filtered: set[str] = set()
    for entry in sys.path:
        if entry and os.path.isdir(entry):
            inside = any(
                os.path.realpath(entry).startswith(os.path.realpath(prefix) + os.sep)
                for prefix in prefixes
            )
            (whole if inside else filtered).add(entry)
    coverage_link = os.path.join(lib_dir, "coverage")
    if os.path.islink(coverage_link):
        whole.add(os.path.dirname(os.path.realpath(coverage_link)))
    user_site = user_site_dir()
    if user_site:
        whole.add(user_site)
    whole.update(_SYSTEM_DIRS)
    filtered -= whole
    return (
        sorted(path for path in whole if path and path != "/"),
        sorted(path for path in filtered if path and path != "/"),
    )


def user_site_dir():
    try:
        import site

        path = site.getusersitepackages()
        return path if os.path.isdir(path) else None
    except Exception:  # an unusual site module
        return None
