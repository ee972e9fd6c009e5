#!/usr/bin/env python3
"""A strict checker of Prometheus' text exposition format (0.0.4), for the
--metrics-file tests: written from the format's description, independently of
common/tg_prom.c.

    tests/promcheck.py FILE       exit 0 and print every sample as
                                  "name{l1="v1",...} value" (labels sorted,
                                  values escaped as in the file),
                                  or exit 1 with "FILE:LINE: why" on stderr

Rules checked (stricter than Prometheus where tgstream promises more):
  - lines are "# HELP name text", "# TYPE name type" or samples; no other
    comments, no blank lines; the file ends with a newline;
  - names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
    and do not start with "__";
  - every sample's metric has a HELP and a TYPE line before it, each at most
    once, and a family's lines are contiguous (not interleaved with another's);
  - TYPE is counter or gauge (tgstream writes no others); a counter's name
    ends in _total and its values are >= 0;
  - label values are double-quoted with only \\\\, \\" and \\n escapes; HELP
    text only \\\\ and \\n;
  - values are floats as Go's ParseFloat reads them (NaN, +Inf, -Inf too);
    no timestamps;
  - no series (name and label set) appears twice; no label twice in a sample.
"""
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)\Z")


class Bad(Exception):
    pass


def unescape(text, allowed):
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise Bad("bad escape in %r" % text)
            out.append({"\\": "\\", "n": "\n", '"': '"'}[text[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def escape(value):
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def parse_labels(s, pos):
    """s[pos] is '{'; returns (labels as a list of pairs, index after '}')."""
    labels, i = [], pos + 1
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"").match(s, i)
        if not m:
            raise Bad("bad label at column %d" % (i + 1))
        name = m.group(1)
        if name.startswith("__"):
            raise Bad("reserved label name %s" % name)
        i = m.end()
        start = i
        while i < len(s) and s[i] != '"':
            i += 2 if s[i] == "\\" else 1
        if i >= len(s):
            raise Bad("unterminated label value")
        labels.append((name, unescape(s[start:i], '\\"n')))
        i += 1
        if i < len(s) and s[i] == ",":
            i += 1
        elif i < len(s) and s[i] != "}":
            raise Bad("expected ',' or '}' after a label value")


def check(text):
    if text and not text.endswith("\n"):
        raise Bad("no newline at the end")
    helps, types, done, series, out = {}, {}, set(), set(), []
    current = None  # the family whose lines are being read

    def enter(name):
        nonlocal current
        if name != current:
            if name in done:
                raise Bad("family %s is not contiguous" % name)
            if current is not None:
                done.add(current)
            current = name

    for n, line in enumerate(text.split("\n")[:-1] if text else [], 1):
        try:
            if line.startswith("#"):
                m = re.match(r"# (HELP|TYPE) (\S+) (.*)\Z", line)
                if not m:
                    raise Bad("a comment other than HELP or TYPE: %r" % line)
                kind, name, rest = m.groups()
                if not NAME.match(name):
                    raise Bad("bad metric name %r" % name)
                enter(name)
                table = helps if kind == "HELP" else types
                if name in table:
                    raise Bad("second %s line for %s" % (kind, name))
                if kind == "HELP":
                    table[name] = unescape(rest, "\\n")
                else:
                    if rest not in ("counter", "gauge"):
                        raise Bad("type %r" % rest)
                    if rest == "counter" and not name.endswith("_total"):
                        raise Bad("counter %s does not end in _total" % name)
                    table[name] = rest
                continue
            m = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)
            if not m:
                raise Bad("not a sample: %r" % line)
            name, i = m.group(0), m.end()
            labels = []
            if i < len(line) and line[i] == "{":
                labels, i = parse_labels(line, i)
            if i >= len(line) or line[i] != " ":
                raise Bad("expected one space before the value")
            value = line[i + 1 :]
            if not FLOAT.match(value):
                raise Bad("value %r is not a float (or has a timestamp)" % value)
            enter(name)
            if name not in helps or name not in types:
                raise Bad("sample of %s without HELP and TYPE before it" % name)
            if len({k for k, _ in labels}) != len(labels):
                raise Bad("a label twice")
            v = float(value.replace("Inf", "inf").replace("NaN", "nan"))
            if types[name] == "counter" and not v >= 0:
                raise Bad("counter %s is %s" % (name, value))
            key = (name, tuple(sorted(labels)))
            if key in series:
                raise Bad("duplicate series %s%s" % (name, labels))
            series.add(key)
            shown = ",".join('%s="%s"' % (k, escape(val)) for k, val in key[1])
            out.append("%s%s %s" % (name, "{%s}" % shown if shown else "", value))
        except Bad as e:
            raise Bad("%d: %s" % (n, e))
    for name in set(helps) | set(types):
        if name not in helps or name not in types:
            raise Bad("%s has a HELP or a TYPE line, not both" % name)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: promcheck.py FILE")
    path = sys.argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = check(text)
    except (OSError, UnicodeDecodeError) as e:
        sys.exit("%s: %s" % (path, e))
    except Bad as e:
        sys.exit("%s:%s" % (path, e))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
