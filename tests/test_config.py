"""Configuration: one TOML file, B2B_* overrides, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from b2bcore.adapters.dadata import CompanyDirectory, DadataLookup, DadataSettings
from b2bcore.adapters.edms import InMemoryDocumentManagement
from b2bcore.adapters.edms.http import HttpDocumentManagement
from b2bcore.adapters.mail import OutboxMailer
from b2bcore.adapters.mail.smtp import SmtpMailer
from b2bcore.adapters.onec import AccountingLedger
from b2bcore.adapters.onec.odata import OnecOdataAccounting
from b2bcore.adapters.sap import ErpSimulator
from b2bcore.adapters.sap.odata import SapOdataErp
from b2bcore.bootstrap import bootstrap
from b2bcore.config import Config
from b2bcore.domain.errors import InvalidValue

INTEGRATIONS = Path(__file__).parents[1] / "docs" / "integrations.md"

REAL_INSTALLATION = """
database_url = "postgresql://b2b@db.example.ru/b2b"

[dadata]
timeout = 3.0

[edms]
base_url = "https://edms.example.ru/hs/b2b"

[smtp]
host = "smtp.example.ru"
username = "shop@example.ru"
sender = "Б2Б Магазин <shop@example.ru>"
"""

SECRETS = {
    "B2B_DADATA_API_KEY": "key",
    "B2B_SAP_PASSWORD": "sap",
    "B2B_ONEC_PASSWORD": "onec",
    "B2B_EDMS_TOKEN": "token",
    "B2B_SMTP_PASSWORD": "smtp",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "b2bcore.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(InvalidValue) as caught:
        Config.load(write(tmp_path, text), environ or {})
    assert caught.value.field == "config"
    return caught.value.rule


def test_no_file_means_every_system_simulated() -> None:
    """Without a file no system section is set: the demo runs on the simulators."""
    config = Config.load(None, {})
    assert (config.dadata, config.sap, config.onec, config.edms, config.smtp) == (None,) * 5


def test_sections_are_read_with_their_defaults(tmp_path: Path) -> None:
    """Each section becomes its settings; keys left out take their defaults."""
    config = Config.load(write(tmp_path, REAL_INSTALLATION), {})
    assert config.dadata == DadataSettings(timeout=3.0)
    assert config.edms is not None
    assert config.edms.timeout == 10.0
    assert config.smtp is not None
    assert (config.smtp.security, config.smtp.effective_port) == ("starttls", 587)


def test_empty_section_switches_a_system_on(tmp_path: Path) -> None:
    """``[dadata]`` alone is enough: DaData's published URL is the default."""
    config = Config.load(write(tmp_path, "[dadata]\n"), {})
    assert config.dadata == DadataSettings()


def test_environment_overrides_scalar_keys(tmp_path: Path) -> None:
    """B2B_<SECTION>_<KEY> overrides the file, typed like the key (float, int, optional)."""
    environ = {
        "B2B_DADATA_BASE_URL": "http://127.0.0.1:8080/rs",
        "B2B_DADATA_TIMEOUT": "1.5",
        "B2B_DADATA_RETRIES": "0",
        "B2B_SMTP_PORT": "2525",
        "B2B_DATABASE_URL": "sqlite:///other.db",
    }
    config = Config.load(write(tmp_path, REAL_INSTALLATION), environ)
    assert config.dadata == DadataSettings("http://127.0.0.1:8080/rs", timeout=1.5, retries=0)
    assert config.smtp is not None
    assert config.smtp.port == 2525
    assert config.database_url == "sqlite:///other.db"


def test_environment_alone_can_switch_a_system_on() -> None:
    """An override for a section the file lacks adds that section."""
    config = Config.load(None, {"B2B_EDMS_BASE_URL": "https://edms.example.ru/hs/b2b"})
    assert config.edms is not None
    assert config.edms.base_url == "https://edms.example.ru/hs/b2b"


def test_boolean_overrides_read_words(tmp_path: Path) -> None:
    """A boolean key takes true/false/yes/no/1/0; anything else is refused, naming the variable."""
    text = '[onec]\nbase_url = "https://1c.example.ru/erp/odata/standard.odata"\nusername = "b2b"\n'
    config = Config.load(write(tmp_path, text), {"B2B_ONEC_POST_INVOICE": "no"})
    assert config.onec is not None
    assert config.onec.post_invoice is False
    assert "B2B_ONEC_POST_INVOICE" in config_error(
        tmp_path, text, {"B2B_ONEC_POST_INVOICE": "maybe"}
    )


def test_bad_override_names_the_variable(tmp_path: Path) -> None:
    """A number that is not a number is refused naming the variable, not with a traceback."""
    assert "B2B_DADATA_TIMEOUT" in config_error(tmp_path, "", {"B2B_DADATA_TIMEOUT": "fast"})


@pytest.mark.parametrize(
    ("text", "variable"),
    [
        ('[dadata]\napi_key = "abc"\n', "B2B_DADATA_API_KEY"),
        ('[smtp]\nhost = "h"\nsender = "a@b.ru"\npassword = "x"\n', "B2B_SMTP_PASSWORD"),
        ('[edms]\nbase_url = "https://e.ru"\ntoken = "x"\n', "B2B_EDMS_TOKEN"),
        ('[sap]\nclient_secret = "x"\n', "B2B_SAP_CLIENT_SECRET"),
        ('[onec]\npassword = "x"\n', "B2B_ONEC_PASSWORD"),
    ],
)
def test_a_secret_in_the_file_is_refused(tmp_path: Path, text: str, variable: str) -> None:
    """A password, token, secret or API key in the file is refused, naming where it belongs."""
    rule = config_error(tmp_path, text)
    assert "secrets are read only from the environment" in rule
    assert variable in rule


def test_a_secret_looking_key_anywhere_is_refused() -> None:
    """Secret-looking keys are refused at any depth, even in sections b2bcore doesn't know."""
    with pytest.raises(InvalidValue, match=r"crm\.auth\.access_token"):
        Config.from_mapping({"crm": {"auth": {"access_token": "x"}}})


def test_keys_that_merely_mention_a_token_are_not_secrets(tmp_path: Path) -> None:
    """``token_url`` names where to get a token; it is configuration, not a secret."""
    text = (
        '[sap]\nbase_url = "https://sap.example.ru"\nauth = "oauth2"\n'
        'token_url = "https://sap.example.ru/oauth/token"\nclient_id = "b2b"\n'
        'sales_organization = "1000"\ndistribution_channel = "10"\n'
        'organization_division = "00"\nplant = "1000"\nstorage_location = "0001"\n'
        'shipping_point = "1000"\n'
    )
    config = Config.load(write(tmp_path, text), {})
    assert config.sap is not None
    assert config.sap.token_url == "https://sap.example.ru/oauth/token"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[dadata]\ntimeout = -1\n", "timeout: must be a positive number"),
        ('[dadata]\nbase_url = "suggestions.dadata.ru"\n', "base_url: must be an http"),
        ('[dadata]\nkey = "x"\n', "unknown keys: key"),
        ('[smtp]\nhost = "h"\nsender = "a@b.ru"\nsecurity = "tls"\n', "security: must be one of"),
        ('[smtp]\nhost = "h"\n', "sender"),
        ("[edms]\n", "base_url"),
        ('dadata = "on"\n', "dadata"),
        ("number_block = 0\n", "number_block: must be from 1 to 1000 (got 0)"),
    ],
)
def test_bad_values_are_reported_with_their_section(
    tmp_path: Path, text: str, expected: str
) -> None:
    """A bad value, an unknown key or a missing required key is named, with the section path."""
    assert expected in config_error(tmp_path, text)


def test_not_toml_is_reported(tmp_path: Path) -> None:
    """A file that is not TOML is refused, naming the file."""
    assert "is not valid TOML" in config_error(tmp_path, "[dadata\n")


def test_bootstrap_uses_the_simulators_without_sections() -> None:
    """Without sections every external system is its in-memory simulator (the demo's default)."""
    services = bootstrap(Config(), environ={}).services
    assert isinstance(services.company_lookup, CompanyDirectory)
    assert isinstance(services.erp, ErpSimulator)
    assert isinstance(services.accounting, AccountingLedger)
    assert isinstance(services.edms, InMemoryDocumentManagement)
    assert isinstance(services.mailer, OutboxMailer)


def documented_example(tmp_path: Path) -> Config:
    """The full configuration in docs/integrations.md, loaded as an operator would."""
    text = INTEGRATIONS.read_text("utf-8").split("## A full configuration", 1)[1]
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    return Config.load(write(tmp_path, block), {})


def test_the_documented_example_configures_every_system(tmp_path: Path) -> None:
    """The full configuration in docs/integrations.md loads and configures all five systems."""
    config = documented_example(tmp_path)
    assert None not in (config.dadata, config.sap, config.onec, config.edms, config.smtp)


def test_bootstrap_switches_each_configured_system_to_its_real_adapter(tmp_path: Path) -> None:
    """With every section configured, every system gets its real adapter: configuration only."""
    config = attrs.evolve(documented_example(tmp_path), database_url=None, documents_path=None)
    services = bootstrap(config, environ=SECRETS).services
    assert isinstance(services.company_lookup, DadataLookup)
    assert isinstance(services.erp, SapOdataErp)
    assert isinstance(services.accounting, OnecOdataAccounting)
    assert isinstance(services.edms, HttpDocumentManagement)
    assert isinstance(services.mailer, SmtpMailer)


def test_bootstrap_refuses_a_configured_system_without_its_secret() -> None:
    """A configured system whose secret is missing stops the start, naming the variable."""
    with pytest.raises(InvalidValue, match="B2B_DADATA_API_KEY"):
        bootstrap(Config.from_mapping({"dadata": {}}), environ={})
