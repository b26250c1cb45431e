"""The boto3 endpoint hook: clients reach AWS_ENDPOINT_URL without code changes.

Each case runs in a new /usr/bin/python3 process, so that botocore is
imported after the hook is installed, as in a handler. botocore comes from
Debian's python3-boto3 (scripts/install-test-deps.sh); without it the cases
are skipped.
"""

import json
import os
import subprocess
import sys
import textwrap
import unittest

from runtime_harness import RUNTIME_DIR

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def _has_botocore():
    result = subprocess.run([PYTHON, "-c", "import botocore"], capture_output=True)
    return result.returncode == 0


def run_script(script, **environment):
    """Run `script` after installing the hook; return the JSON it prints last."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ACCESS_KEY_ID": "AKIDLOCAL",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        **environment,
    }
    prologue = textwrap.dedent(
        """
        import json, sys
        sys.path.insert(0, %r)
        from lambdacraft_runtime import aws_endpoints
        installed = aws_endpoints.install()
        """
        % RUNTIME_DIR
    )
    result = subprocess.run(
        [PYTHON, "-c", prologue + textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        raise AssertionError("script failed:\n" + result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


@unittest.skipUnless(_has_botocore(), "botocore is not installed for " + PYTHON)
class EndpointHookTest(unittest.TestCase):
    def test_s3_client_gets_endpoint_and_path_style(self):
        result = run_script(
            """
            import boto3
            client = boto3.client("s3")
            print(json.dumps({
                "installed": installed,
                "endpoint": client.meta.endpoint_url,
                "style": client.meta.config.s3.get("addressing_style"),
            }))
            """,
            AWS_ENDPOINT_URL="http://127.0.0.1:4566",
        )
        self.assertTrue(result["installed"])
        self.assertEqual(result["endpoint"], "http://127.0.0.1:4566")
        self.assertEqual(result["style"], "path")

    def test_service_variable_wins_over_general_one(self):
        result = run_script(
            """
            import botocore.session
            session = botocore.session.get_session()
            s3 = session.create_client("s3")
            dynamodb = session.create_client("dynamodb")
            print(json.dumps([s3.meta.endpoint_url, dynamodb.meta.endpoint_url]))
            """,
            AWS_ENDPOINT_URL="http://127.0.0.1:4566",
            AWS_ENDPOINT_URL_S3="http://127.0.0.1:9000",
        )
        self.assertEqual(result, ["http://127.0.0.1:9000", "http://127.0.0.1:4566"])

    def test_explicit_endpoint_and_style_are_kept(self):
        result = run_script(
            """
            import boto3
            from botocore.config import Config
            client = boto3.client(
                "s3",
                endpoint_url="http://127.0.0.1:1234",
                config=Config(s3={"addressing_style": "virtual"}),
            )
            styled = boto3.client("s3", config=Config(s3={"addressing_style": "virtual"}))
            print(json.dumps([
                client.meta.endpoint_url,
                client.meta.config.s3.get("addressing_style"),
                styled.meta.endpoint_url,
                styled.meta.config.s3.get("addressing_style"),
            ]))
            """,
            AWS_ENDPOINT_URL="http://127.0.0.1:4566",
        )
        self.assertEqual(
            result, ["http://127.0.0.1:1234", "virtual", "http://127.0.0.1:4566", "virtual"]
        )

    def test_ignore_variable_keeps_aws_endpoint(self):
        result = run_script(
            """
            import boto3
            print(json.dumps(boto3.client("s3").meta.endpoint_url))
            """,
            AWS_ENDPOINT_URL="http://127.0.0.1:4566",
            AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true",
        )
        self.assertIn("amazonaws.com", result)

    def test_not_installed_without_endpoint_variable(self):
        result = run_script(
            """
            print(json.dumps({"installed": installed}))
            """
        )
        self.assertFalse(result["installed"])

    def test_hook_imports_nothing_until_botocore_is_imported(self):
        result = run_script(
            """
            import email.utils, urllib.request
            loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("botocore", "boto3"))
            print(json.dumps({"installed": installed, "loaded": loaded}))
            """,
            AWS_ENDPOINT_URL="http://127.0.0.1:4566",
        )
        self.assertTrue(result["installed"])
        self.assertEqual(result["loaded"], [])


if __name__ == "__main__":
    unittest.main()
