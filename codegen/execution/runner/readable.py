"""What a sandboxed run may read: the interpreter's folders whole, the project's files without
secrets, a few system files."""

import importlib.machinery
import os
import re
import stat
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
# In the project's folders: names never made readable (secrets live in dotfiles and key files,
# and in the files tools write tokens and state to: OAuth tokens, Terraform state, kubeconfigs).
_SECRET_NAME = re.compile(
    r"^\.|^_netrc$|\.(pem|key|p12|pfx|kdbx|keystore|jks|ppk|tfvars)$|\.tfstate(\.backup)?$"
    r"|^id_(rsa|dsa|ecdsa|ed25519)|credential|secret|^kubeconfig|^deploy_key"
    r"|^(access_|refresh_)?tokens?(\.(json|txt|ya?ml))?$",
    re.IGNORECASE,
)
# Python modules (sources, bytecode, extension modules) stay readable whatever their mode: the
# tests import the project's modules, and a umask of 077 makes every project file owner-only.
_MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes()) + (".pyi",)
_SKIPPED_DIRS = ("__pycache__", "node_modules")
MAX_PROJECT_ENTRIES = 20000


def project_files(roots, limit=MAX_PROJECT_ENTRIES):
    """Directories and regular files under the project folders, without dot-names, key files and
    files only their owner may read."""
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
                elif entry.is_file(follow_symlinks=False) and _shared(entry):
                    files.append(entry.path)
            except OSError:
                continue
    return directories, files


def _shared(entry):
    """False for a file only its owner may read (0600, 0400): a key or token, not project data."""
    if entry.name.endswith(_MODULE_SUFFIXES):
        return True
    return bool(entry.stat(follow_symlinks=False).st_mode & (stat.S_IRGRP | stat.S_IROTH))


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
