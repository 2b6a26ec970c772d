"""Show an activity as plain text (for the terminal chat and script expectations) and list its buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    kind: str  # "submit", "imBack", "messageBack", "openUrl"
    value: Any


def _card_elements(elements: list[Any], lines: list[str], depth: int = 0) -> None:
    for el in elements or []:
        if not isinstance(el, dict):
            continue
        kind = el.get("type")
        pad = "  " * depth
        if kind == "TextBlock" and el.get("text"):
            text = str(el["text"])
            lines.append(pad + (f"【{text}】" if el.get("weight") == "Bolder" else text))
        elif kind == "FactSet":
            lines.extend(f"{pad}・{f.get('title', '')}: {f.get('value', '')}" for f in el.get("facts", []))
        elif kind in ("Container", "Column"):
            _card_elements(el.get("items", []), lines, depth)
        elif kind == "ColumnSet":
            for column in el.get("columns", []):
                _card_elements(column.get("items", []), lines, depth)
        elif kind and kind.startswith("Input."):
            label = el.get("label") or el.get("placeholder") or el.get("id")
            value = el.get("value")
            choices = {c.get("value"): c.get("title") for c in el.get("choices", []) if isinstance(c, dict)}
            if choices:  # a choice set: show the titles, the chosen one marked
                shown = " / ".join(f"({t})" if v == value else str(t) for v, t in choices.items())
                lines.append(f"{pad}[選択: {label}] {shown}")
            else:
                lines.append(f"{pad}[入力欄: {label}]" + (f" {value}" if value else ""))
        elif kind == "ActionSet":
            pass  # listed with the buttons


def _actions(actions: list[Any]) -> list[Button]:
    found: list[Button] = []
    for action in actions or []:
        if not isinstance(action, dict):
            continue
        kind = action.get("type")
        title = str(action.get("title", ""))
        if kind == "Action.Submit" or kind == "Action.Execute":
            found.append(Button(title, "submit", action.get("data", {})))
        elif kind == "Action.OpenUrl":
            found.append(Button(title, "openUrl", action.get("url")))
        elif kind == "Action.ShowCard":
            card = action.get("card", {})
            found.extend(_actions(card.get("actions", [])))
    return found


def _card_actions(content: dict[str, Any]) -> list[Button]:
    """Buttons in the order Teams shows them: those in the body, then the card's own actions.
    A submit button carries the card's input boxes as they stand (what Teams sends when
    the person presses without typing: each box's value, empty ones as "")."""
    found: list[Button] = []
    inputs: dict[str, Any] = {}

    def walk(elements: list[Any]) -> None:
        for el in elements or []:
            if not isinstance(el, dict):
                continue
            if el.get("type") == "ActionSet":
                found.extend(_actions(el.get("actions", [])))
            if str(el.get("type", "")).startswith("Input.") and el.get("id"):
                inputs[str(el["id"])] = el.get("value", "")
            walk(el.get("items", []))
            for column in el.get("columns", []):
                walk(column.get("items", []))

    walk(content.get("body", []))
    found += _actions(content.get("actions", []))
    return [Button(b.title, b.kind, {**b.value, **inputs}) if b.kind == "submit" and isinstance(b.value, dict)
            else b for b in found]


def buttons(activity: dict[str, Any]) -> list[Button]:
    """Every pressable thing in an activity: card actions, hero card buttons, suggested actions."""
    found: list[Button] = []
    for attachment in activity.get("attachments") or []:
        content = attachment.get("content") or {}
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            found.extend(_card_actions(content))
        else:
            for b in content.get("buttons", []):
                found.append(Button(str(b.get("title", "")), b.get("type", "imBack"), b.get("value")))
    for action in (activity.get("suggestedActions") or {}).get("actions", []):
        found.append(Button(str(action.get("title", "")), action.get("type", "imBack"), action.get("value")))
    return found


def render(activity: dict[str, Any], *, updated: bool = False) -> str:
    """Text, cards and buttons of one activity as readable lines; buttons are numbered."""
    lines: list[str] = []
    if updated:
        lines.append("(カードが更新されました)")
    if activity.get("text"):
        lines.append(str(activity["text"]))
    for attachment in activity.get("attachments") or []:
        content = attachment.get("content") or {}
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            _card_elements(content.get("body", []), lines)
        else:
            for key in ("title", "subtitle", "text"):
                if content.get(key):
                    lines.append(str(content[key]))
    for number, button in enumerate(buttons(activity), start=1):
        suffix = f" → {button.value}" if button.kind == "openUrl" else ""
        lines.append(f"  [{number}] {button.title}{suffix}")
    return "\n".join(lines)
