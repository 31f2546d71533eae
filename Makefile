# Chassie: `make run` starts the assistant, `make test` runs every check.
# Both create the virtualenv and train the model first when needed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
RASA := $(BIN)/rasa
INSTALLED := $(VENV)/.installed
MODEL_STAMP := models/.trained

# Everything the model is trained from: a change here means retraining.
TRAINING_INPUTS := config.yml $(wildcard domain/*.yml) $(shell find data -name '*.yml' 2>/dev/null) \
	$(wildcard components/*.py) components/slang_id.yml

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help venv train run test validate pytest conversations evaluate bench lint lock browser clean

help:
	@echo "make run        start the assistant (rasa server, action server, local sandboxes)"
	@echo "make test       validate data, run pytest and the conversation tests"
	@echo "make evaluate   NLU accuracy on the held-out set"
	@echo "make bench      end-to-end speed through the WhatsApp webhook"
	@echo "make train      train the model if the training data changed"
	@echo "make lint       ruff check and format check"

$(INSTALLED): requirements.txt
	@set -e; \
	if [ ! -x $(PYTHON) ]; then \
		python310=$$(scripts/find-python310.sh); \
		echo "Creating $(VENV) with $$python310"; \
		$$python310 -m venv $(VENV); \
	fi; \
	printf '[global]\nconstraint = %s\n' "$(CURDIR)/requirements.txt" > $(VENV)/pip.conf; \
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --upgrade "pip<24.1"; \
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt; \
	touch $@

venv: $(INSTALLED)

$(MODEL_STAMP): $(INSTALLED) $(TRAINING_INPUTS)
	$(RASA) train --domain domain --fixed-model-name chassie --out models
	@touch $@

train: $(MODEL_STAMP)

validate: $(INSTALLED)
	$(RASA) data validate --domain domain --fail-on-warnings

browser:
	@scripts/install-browser.sh

run: $(MODEL_STAMP)
	$(PYTHON) -m tools.run

pytest: $(MODEL_STAMP) browser
	$(PYTHON) -m pytest -q tests

conversations: $(MODEL_STAMP)
	$(RASA) test core --model models/chassie.tar.gz --stories tests/conversations \
		--fail-on-prediction-errors --out results/conversations

test: validate pytest conversations

evaluate: $(MODEL_STAMP)
	$(RASA) test nlu --model models/chassie.tar.gz --nlu tests/nlu/heldout.yml --out results/nlu
	$(PYTHON) -m tools.evaluate_nlu results/nlu

bench: $(MODEL_STAMP)
	$(PYTHON) -m tools.bench

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: $(INSTALLED)
	@(echo "# Pinned by 'make lock' from requirements.in with Python 3.10; do not edit by hand."; \
	  $(PYTHON) -m pip freeze --exclude-editable | grep -v -E '^(pip|setuptools|wheel)==') > requirements.txt

clean:
	rm -rf models results var .pytest_cache
