# The only two commands a fresh machine needs: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# llama-cpp-python is built from source. A native build (-march=native) crashes with "Illegal instruction" on VMs
# whose CPU reports AMX but does not allow it, so build for the instruction sets this CPU reports, AMX always off.
HAS = $(shell grep -q -w $(1) /proc/cpuinfo 2>/dev/null && echo ON || echo OFF)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=$(call HAS,avx) -DGGML_AVX2=$(call HAS,avx2) \
	-DGGML_FMA=$(call HAS,fma) -DGGML_F16C=$(call HAS,f16c) -DGGML_AVX512=$(call HAS,avx512f) \
	-DGGML_AVX512_VBMI=$(call HAS,avx512vbmi) -DGGML_AVX512_VNNI=$(call HAS,avx512_vnni) \
	-DGGML_AVX512_BF16=$(call HAS,avx512_bf16) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

# pip's own wheel cache does not know CMAKE_ARGS (a wheel built natively elsewhere would be reused and crash), so
# the llama wheel is built once per set of flags into a cache folder named after them, and installed from there.
WHEELS := $(HOME)/.cache/program-assistant/wheels/$(shell echo '$(CMAKE_ARGS)' | sha1sum | cut -c1-12)
LLAMA := llama-cpp-python==$(shell sed -n 's/^llama[-_]cpp[-_]python==//Ip' constraints.txt)

.PHONY: run test setup index lint corpus clean browser

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	ls $(WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || \
		$(BIN)/python -m pip wheel --quiet --no-deps --no-cache-dir '$(LLAMA)' -w $(WHEELS)
	$(BIN)/python -m pip install --quiet --find-links $(WHEELS) -c constraints.txt -e '.[dev,server,postgres]'
	touch $(STAMP)

setup: $(STAMP)

index: $(STAMP)
	$(BIN)/assistant ingest corpus --prune --data-dir $(DATA)

run: index
	$(BIN)/assistant serve --data-dir $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check assistant tests evals corpus app.py
	$(BIN)/mypy

# The browser tests drive Debian's Chromium through Playwright (no browser download); fonts-nanum so screenshots
# show Hangul. Installed once, with sudo when not root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi nanum || \
		{ $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends \
		chromium fonts-nanum fontconfig; }

test: lint browser
	$(BIN)/python -m pytest -q

corpus: $(STAMP)
	$(BIN)/python corpus/build.py

clean:
	rm -rf $(VENV) $(DATA)
