"""FollowTheMoney export: every entity of the samples' export validates against the FtM model, links hold."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from hitta.cli import cli

followthemoney = pytest.importorskip("followthemoney", reason="FtM export needs followthemoney: pip install 'hitta[ftm]'")
from followthemoney import model  # noqa: E402 - after the skip

from hitta.corpus.ftm import ftm_lines, party_id  # noqa: E402


def _export(runner, home: Path, *args: str) -> list[dict]:
    result = runner.invoke(cli, ["--home", str(home), "export", "--format", "ftm", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _records(runner, home: Path) -> list[dict]:
    result = runner.invoke(cli, ["--home", str(home), "export"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def entities(sample_home: Path) -> list[dict]:
    from click.testing import CliRunner

    return _export(CliRunner(), sample_home)


def test_every_entity_validates_against_the_model(entities: list[dict]) -> None:
    assert entities
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data["schema"]
        assert set(data["properties"]) <= set(schema.properties), data
        assert set(schema.required) <= set(data["properties"]), (schema.required, data)
        schema.validate(data)  # raises InvalidData
        # Cleaning again changes nothing: every value is already what FtM would store.
        assert model.get_proxy(data, cleaned=False).to_dict()["properties"] == data["properties"], data


def test_documents_mentions_and_parties_link_up(entities: list[dict], runner, sample_home: Path) -> None:
    records = _records(runner, sample_home)
    by_schema = Counter(data["schema"] for data in entities)
    assert by_schema["Document"] == len(records)
    assert by_schema["Organization"] > 0 and by_schema["Person"] > 0 and by_schema["Mention"] > 0
    ids = [data["id"] for data in entities]
    assert len(ids) == len(set(ids))
    schemas = {data["id"]: data["schema"] for data in entities}
    for data in entities:
        if data["schema"] == "Mention":
            (document,), (resolved,) = data["properties"]["document"], data["properties"]["resolved"]
            assert schemas[document] == "Document" and schemas[resolved] in ("Organization", "Person")
    mentioned = {data["properties"]["resolved"][0] for data in entities if data["schema"] == "Mention"}
    parties = {data["id"] for data in entities if data["schema"] in ("Organization", "Person")}
    assert parties == mentioned  # every party is named by some document


def test_document_carries_record_fields(entities: list[dict], runner, sample_home: Path) -> None:
    records = _records(runner, sample_home)
    documents = [data for data in entities if data["schema"] == "Document"]
    record = next(r for r in records if r["budgets"] and r["dates"] and r["emails"])
    document = next(d for d in documents if d["properties"]["fileName"] == [record["source"]])
    props = document["properties"]
    assert props["title"] == [record["title"]] and props["bodyText"] == [record["text"]]
    assert props["language"] == [{"sv": "swe", "da": "dan", "de": "deu"}[record["language"]]]
    assert {item["address"] for item in record["emails"]} <= set(props["emailMentioned"])
    assert record["dates"][0]["start"] in props["date"]
    assert any(note.startswith("Budget: ") and record["budgets"][0]["currency"] in note for note in props["notes"])


def test_person_ids_are_stable_and_carry_contact_details(entities: list[dict]) -> None:
    # Tine Ane Nielsen, Københavns Kommune's contact in the Danish sample, with her e-mail and phone.
    person = next(d for d in entities if d["schema"] == "Person" and d["properties"]["name"] == ["Tine Ane Nielsen"])
    assert person["id"] == party_id("Person", "Tine Ane Nielsen") == party_id("Person", "tine  ane NIELSEN")
    assert person["id"] != party_id("Organization", "Tine Ane Nielsen")
    assert person["properties"]["email"] == ["BW6V@okf.kk.dk"] and person["properties"]["phone"] == ["+4529462920"]
    organisation = next(d for d in entities if d["schema"] == "Organization" and "Københavns Kommune" in d["properties"]["name"])
    assert organisation["id"] == party_id("Organization", "Københavns Kommune")


def test_export_is_the_same_twice_and_through_the_library(runner, sample_home: Path, tmp_path: Path) -> None:
    first = runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "ftm"]).stdout
    target = tmp_path / "entities.ftm.json"
    assert runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "ftm", "-o", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8") == first
    assert "".join(ftm_lines(_records(runner, sample_home))) == first


def test_merged_party_from_two_records() -> None:
    records = [
        {"id": "a" * 16, "source": "a.txt", "title": "A", "language": "sv", "text": "Malmö stad bygger.", "format": "text",
         "organisations": [{"text": "Malmö stad", "name": "Malmö stad", "span": [0, 10]}]},
        {"id": "b" * 16, "source": "b.txt", "title": "B", "language": "sv", "text": "Malmö stads plan.", "format": "text",
         "organisations": [{"text": "Malmö stads", "name": "Malmö stad", "span": [0, 11]}],
         "contacts": [{"name": None, "organisation": "Malmö stad", "email": "info@malmo.se", "phone": None}]},
    ]
    entities = [json.loads(line) for line in ftm_lines(records)]
    organisations = [d for d in entities if d["schema"] == "Organization"]
    assert len(organisations) == 1
    assert organisations[0]["properties"]["alias"] == ["Malmö stads"]
    assert organisations[0]["properties"]["email"] == ["info@malmo.se"]
    assert sum(d["schema"] == "Mention" for d in entities) == 2


def test_ftm_command_reads_the_export(runner, sample_home: Path, tmp_path: Path) -> None:
    ftm = Path(sys.executable).parent / "ftm"
    ftm_command = [str(ftm)] if ftm.is_file() else ([shutil.which("ftm")] if shutil.which("ftm") else None)
    if ftm_command is None:
        pytest.skip("the followthemoney package's ftm command is not installed")
    target = tmp_path / "entities.ftm.json"
    assert runner.invoke(cli, ["--home", str(sample_home), "export", "--format", "ftm", "-o", str(target)]).exit_code == 0
    checked = tmp_path / "checked.ftm.json"
    done = subprocess.run([*ftm_command, "validate", "-i", str(target), "-o", str(checked)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(checked.read_text(encoding="utf-8").splitlines()) == len(target.read_text(encoding="utf-8").splitlines())
