"""Point boto3 and botocore clients in handlers at the platform's AWS endpoint.

LambdaCraft sets AWS_ENDPOINT_URL to its own AWS endpoint. botocore reads that
variable itself only from version 1.31 on, and Debian 12 ships 1.29, whose
clients would call the real AWS. So the runtime installs an import hook that
waits for `botocore.session` to be imported and then wraps
`Session.create_client`:

- With botocore before 1.31, a client created without `endpoint_url` gets
  AWS_ENDPOINT_URL_<SERVICE> (the client name in upper case, `-` as `_`), or
  else AWS_ENDPOINT_URL, as newer botocore does. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
  turns that off, as it does in newer botocore.
- An S3 client whose endpoint came from those variables gets path-style
  addressing, unless its Config chose an addressing style, because
  `<bucket>.localhost` does not resolve on every host.

Handlers that never import botocore pay only for one string comparison per
import; the runtime itself never imports botocore.
"""

import os
import sys

_HOOKED_MODULE = "botocore.session"
# The first botocore release that reads AWS_ENDPOINT_URL itself.
_NATIVE_ENDPOINT_VERSION = (1, 31)


def install():
    """Install the import hook when an endpoint variable is set; return whether it was."""
    if not _endpoint_variables_set():
        return False
    if _HOOKED_MODULE in sys.modules:
        patch_session_module(sys.modules[_HOOKED_MODULE])
    else:
        sys.meta_path.insert(0, _SessionModuleFinder())
    return True


def _endpoint_variables_set():
    return any(name.startswith("AWS_ENDPOINT_URL") for name in os.environ)


class _SessionModuleFinder:
    """Meta path finder that patches `botocore.session` once it has executed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _HOOKED_MODULE:
            return None
        spec = _find_with_other_finders(self, fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PatchingLoader(spec.loader, self)
        return spec


def _find_with_other_finders(hook, fullname, path, target):
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if finder is hook or find_spec is None:
            continue
        spec = find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


class _PatchingLoader:
    """Loader that runs the real loader, then patches the module and removes the hook."""

    def __init__(self, loader, hook):
        self._loader = loader
        self._hook = hook

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        if self._hook in sys.meta_path:
            sys.meta_path.remove(self._hook)
        patch_session_module(module)

    def __getattr__(self, name):
        # get_source, get_filename and the rest, for tracebacks and inspect.
        return getattr(self._loader, name)


def patch_session_module(module):
    """Wrap `module.Session.create_client` to default the endpoint and S3 addressing."""
    session_class = module.Session
    original = session_class.create_client
    if getattr(original, "_lambdacraft_endpoint", False):
        return
    native = _botocore_version() >= _NATIVE_ENDPOINT_VERSION

    def create_client(self, service_name, *args, **kwargs):
        # endpoint_url is create_client's sixth parameter after self.
        if len(args) < 5 and kwargs.get("endpoint_url") is None and not _ignore_configured():
            endpoint_url = configured_endpoint(service_name)
            if endpoint_url is not None:
                if not native:
                    kwargs["endpoint_url"] = endpoint_url
                if service_name == "s3":
                    _default_path_style(args, kwargs)
        return original(self, service_name, *args, **kwargs)

    create_client._lambdacraft_endpoint = True
    create_client.__doc__ = original.__doc__
    create_client.__wrapped__ = original
    session_class.create_client = create_client


def configured_endpoint(service_name):
    """Return AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL, or None when neither is set."""
    service_variable = "AWS_ENDPOINT_URL_" + service_name.upper().replace("-", "_").replace(" ", "_")
    return os.environ.get(service_variable) or os.environ.get("AWS_ENDPOINT_URL") or None


def _ignore_configured():
    return os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"


def _default_path_style(args, kwargs):
    """Set `s3.addressing_style = path` in the client's Config unless it sets a style."""
    from botocore.config import Config

    # config is create_client's tenth parameter after self.
    if len(args) >= 9:
        return
    config = kwargs.get("config")
    s3_settings = getattr(config, "s3", None) or {}
    if "addressing_style" in s3_settings:
        return
    path_style = Config(s3={**s3_settings, "addressing_style": "path"})
    kwargs["config"] = path_style if config is None else config.merge(path_style)


def _botocore_version():
    botocore = sys.modules.get("botocore")
    text = getattr(botocore, "__version__", "0")
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(char for char in part if char.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)
