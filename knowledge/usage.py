"""An argument parser for the admin commands whose usage errors are in Japanese."""

from __future__ import annotations

import argparse
import re
import sys

_USAGE_ERRORS = (  # argparse's messages, in Japanese
    (re.compile(r"the following arguments are required: (.+)"), r"次の指定が必要です: \1"),
    (re.compile(r"argument コマンド: invalid choice: '(.*?)' \(choose from (.+)\)"),
     r"コマンド「\1」はありません (使えるもの: \2)"),
    (re.compile(r"argument (\S+): invalid choice: '(.*?)' \(choose from (.+)\)"),
     r"\1 に「\2」は指定できません (指定できるもの: \3)"),
    (re.compile(r"argument (\S+): invalid int value: '(.*)'"), r"\1 は数字で指定してください (「\2」は読めません)"),
    (re.compile(r"argument (\S+): expected one argument"), r"\1 のあとに値を指定してください"),
    (re.compile(r"unrecognized arguments: (.+)"), r"知らない指定です: \1"),
    (re.compile(r"argument (\S+): (.+)"), r"\1: \2"),
)


class JapaneseArgumentParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are in Japanese."""

    def error(self, message: str):  # type: ignore[override]  # -> NoReturn
        for pattern, japanese in _USAGE_ERRORS:
            if pattern.fullmatch(message):
                message = pattern.sub(japanese, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: エラー: {message}\n(使い方は {self.prog} --help で表示します)\n")
