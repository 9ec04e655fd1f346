"""FollowTheMoney (FtM) export: records as the entities OCCRP Aleph and the `ftm` tools load.

Built with the followthemoney package's model (not by hand), one JSON entity per line:

- a `Document` per record: title, language, fileName (the source path), bodyText (the cleaned text),
  mimeType, publishedAt, the extracted dates (`date`, each start and end), and the names, e-mails and
  phones it mentions (`companiesMentioned`, `peopleMentioned`, `emailMentioned`, `phoneMentioned`);
- an `Organization` or `Person` per distinct normalised name over all records, its id derived from
  that name (the same name gets the same id in every export), with the e-mails and phones hitta's
  contact parser tied to it (`email`, `phone`);
- a `Mention` per entity and document naming it (`document`, `resolved`, `name`).

FtM's Document has no money property, so budgets go into the Document's `notes`, one line each
(`Budget: 1 200 000 SEK`), where Aleph shows and indexes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from hitta.pipeline.entities import display_value, entity_key

NAMESPACE = "hitta"
MIME_TYPES = {
    "text": "text/plain",
    "html": "text/html",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
# hitta's entity lists and the FtM schema and Document property of each.
PARTY_TYPES = (("organisations", "Organization", "companiesMentioned"), ("persons", "Person", "peopleMentioned"))


def _model() -> Any:
    try:
        from followthemoney import model
    except ImportError as exc:
        raise ImportError("FtM export needs the followthemoney package: pip install 'hitta[ftm]'") from exc
    return model


def party_id(schema: str, name: str) -> str:
    """Return the stable FtM id of an organisation or person: a hash of hitta, the schema and the name's key."""
    proxy = _model().make_entity(schema)
    return str(proxy.make_id(NAMESPACE, schema, entity_key(name)))


def document_entity(record: dict[str, Any]) -> Any:
    """Return the FtM Document of one record."""
    proxy = _model().make_entity("Document")
    proxy.make_id(NAMESPACE, "document", record["id"])
    proxy.add("title", record.get("title"))
    proxy.add("fileName", record.get("source"))
    proxy.add("bodyText", record.get("text"))
    if record.get("language") not in (None, "und"):
        proxy.add("language", record["language"])
    proxy.add("mimeType", MIME_TYPES.get(record.get("format", "text")))
    proxy.add("publishedAt", record.get("published"))
    for item in record.get("dates", []):
        proxy.add("date", [item.get("start"), item.get("end")])
    proxy.add("notes", [f"Budget: {display_value('budgets', item)}" for item in record.get("budgets", [])])
    proxy.add("emailMentioned", [item.get("address") or item["text"] for item in record.get("emails", [])])
    proxy.add("phoneMentioned", [item.get("e164") or item["text"] for item in record.get("phones", [])])
    for kind, _, prop in PARTY_TYPES:
        proxy.add(prop, [display_value(kind, item) for item in record.get(kind, [])])
    return proxy


def _contact_details(record: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (schema, name, contact) for each contact tied to a person or, without a name, an organisation."""
    for contact in record.get("contacts", []):
        if contact.get("name"):
            yield "Person", contact["name"], contact
        elif contact.get("organisation"):
            yield "Organization", contact["organisation"], contact


def ftm_entities(records: Iterable[dict[str, Any]]) -> Iterator[Any]:
    """Yield the FtM entities of records: Documents and Mentions as records go, then every party, merged."""
    model = _model()
    parties: dict[str, Any] = {}

    def party(schema: str, name: str) -> Any:
        key = party_id(schema, name)
        if key not in parties:
            proxy = model.make_entity(schema)
            proxy.id = key
            proxy.add("name", name)
            parties[key] = proxy
        return parties[key]

    for record in records:
        document = document_entity(record)
        yield document
        named: dict[str, tuple[Any, str]] = {}
        for kind, schema, _ in PARTY_TYPES:
            for item in record.get(kind, []):
                name = display_value(kind, item)
                if name:
                    proxy = party(schema, name)
                    if item.get("text") and item["text"] != name:
                        proxy.add("alias", item["text"])
                    named.setdefault(proxy.id, (proxy, name))
        for schema, name, contact in _contact_details(record):
            proxy = party(schema, name)
            proxy.add("email", contact.get("email"))
            proxy.add("phone", contact.get("phone"))
            named.setdefault(proxy.id, (proxy, name))
        for proxy, name in named.values():
            mention = model.make_entity("Mention")
            mention.make_id(NAMESPACE, "mention", document.id, proxy.id)
            mention.add("document", document.id)
            mention.add("resolved", proxy.id)
            mention.add("name", name)
            mention.add("detectedSchema", proxy.schema.name)
            yield mention
    yield from parties.values()


def ftm_lines(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the FtM export as JSON lines (`id`, `schema`, `properties`), the format `ftm` and alephclient read."""
    for proxy in ftm_entities(records):
        yield json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
