"""Installing one policy file (sla, calendars, routing, banned phrases) into a policy folder.

The new file is checked together with the folder's other files (an SLA file must still match
the calendars it names), then written atomically; a refused file leaves the folder as it was. A
profile still on the shipped policy first gets a folder of its own (a copy of the shipped files)
and its config.toml points at it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from agentdesk.domain.errors import AgentdeskError
from agentdesk.io.policy_files import SHIPPED_POLICY_DIR, PolicyError, parse_policy, read_texts
from agentdesk.settings import load_settings

if TYPE_CHECKING:
    from agentdesk.cli_support import Profile


def profile_policy_folder(profile: Profile, dry_run: bool) -> Path:
    """The profile's own policy folder (made from the shipped one when it has none)."""
    current = profile.policy_dir()
    if current.resolve() != SHIPPED_POLICY_DIR.resolve():
        return current
    if dry_run:
        return SHIPPED_POLICY_DIR
    own = profile.paths.config_dir / "policy"
    if not own.exists():
        shutil.copytree(SHIPPED_POLICY_DIR, own)
    _point_config_at(profile, own)
    return own


def _point_config_at(profile: Profile, folder: Path) -> None:
    import tomllib

    file = profile.paths.config_file
    load_settings(profile.paths)  # a broken config is reported, not overwritten
    data = tomllib.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    data["policy_dir"] = str(folder)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(tomli_w.dumps(data), encoding="utf-8")


def install_file(file: Path, name: str, folder: Path, dry_run: bool) -> Path:
    """Check `file` as the folder's `name`; unless `dry_run`, put it there. Returns its path."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AgentdeskError("imports.file_missing", file=str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(file), "-", str(exc)) from None
    if not folder.is_dir():
        raise AgentdeskError("imports.policy_dir_missing", folder=str(folder))
    _check(file, name, text, folder)
    target = folder / name
    if not dry_run:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False) as out:
            out.write(text)
        os.replace(out.name, target)
    return target


def _check(file: Path, name: str, text: str, folder: Path) -> None:
    try:
        if name == "routing.toml":
            from agentdesk.io.routing_file import parse_routing

            parse_routing(text, str(file))
        elif name == "banned_phrases.toml":
            from agentdesk.io.phrase_files import parse_rules, read_document

            parse_rules(read_document(file), str(file))
        else:
            texts = read_texts(folder)
            texts[name] = text
            parse_policy(texts)
    except PolicyError as refused:
        where = refused.args_
        label = str(file) if where.get("file") in (name, str(folder / name)) else where.get("file")
        raise PolicyError(str(label), str(where.get("where")), str(where.get("reason"))) from None
