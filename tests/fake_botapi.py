#!/usr/bin/env python3
"""fake_botapi.py - a fake Telegram Bot API server for the tests (loopback only).

Serves /bot<TOKEN>/<method> for getMe, getUpdates, deleteWebhook and
getWebhookInfo, like api.telegram.org: GET or POST, parameters in the query
string, a JSON body, a urlencoded form or multipart form data; answers
{"ok":true,"result":...} or {"ok":false,"error_code":N,"description":...}.

Usage:
  fake_botapi.py (--token-file FILE | --token TOKEN | $FAKE_BOTAPI_TOKEN)
                 [--port 0] [--url-file FILE] [--script FILE] [--log FILE]
                 [--privacy] [--conflict webhook|poller] [--relay STYLE]
                 [--owner PID] [-v]

Once listening it prints its base URL, "http://127.0.0.1:PORT", on stdout and
writes it to --url-file (atomically, so the file's existence means "ready").
Prefer --token-file or the environment: a token in argv shows in ps.

Updates.  The server keeps a queue of pending updates, as Telegram does.
getUpdates with offset N drops every pending update with update_id < N (they
are confirmed) and answers the pending ones, at most `limit` (default 100).
With nothing pending and timeout > 0 it waits up to `timeout` seconds for
updates appended through the control endpoint; shutdown answers at once.
allowed_updates is recorded, not applied: Telegram too delivers updates
queued before a change of allowed_updates.

Script (--script FILE, JSON): either a list of steps for getUpdates, or an
object {"updates": [...initial queue...], "getUpdates": [steps],
"getMe": [steps], "deleteWebhook": [steps]} ("steps" is an alias of
"getUpdates").  Each call of a method consumes its next step; once they are
exhausted the method behaves normally.  A step is:
  [update, ...] or {"updates": [...]}   append to the queue, answer at once
  {"status": 429, "body": ..., "headers": {...}}
                 a raw answer; body is a string, or JSON (serialized); for
                 429 without a body, {"retry_after": S} builds Telegram's
  "html"         502 with an nginx HTML page
  "truncated"    200, the normal JSON answer cut in half
  "concatenated" 200, the normal answer followed by a second JSON document
  "empty"        200 with an empty body
  "partial"      Content-Length larger than the body, then the connection
                 is closed (an HTTP-level truncation)
  "hang"         accept and never answer, until the client gives up or the
                 server stops
  "trickle"      the normal answer, one byte every "interval" seconds
                 (default 1)
  "reset"        close the connection with a TCP reset, no answer
A raw step may carry "echo_token": FORM instead of a description: the error
description then quotes the server's own token, as a careless server might:
"percent" (<id>%3A<secret>), "percent-lower" (every byte %xx, lowercase),
"partial" (<id>%3a<secret> with every third secret character %XX), or
"secret" (the secret part alone), so that tests need not write the token
into a script.
A string step may also be written {"special": "hang", ...}; any step may
carry "delay": S to wait S seconds before answering.  Updates without an
update_id get the next free one.

Relays (--relay null|zero|false).  Every update getUpdates answers is
re-encoded as a relay built on fixed structs would: every update kind of
Telegram's Update object is present, the absent ones null, and every field of
Message, User and Chat that the struct has is present.  Absent fields become:
  null    null, whatever their type
  zero    their type's zero: "" for strings, 0 for numbers, false for
          booleans, null for arrays, a zero-valued struct ({"id":0,
          "is_bot":false,"first_name":"",...}) for objects
  false   as zero, but false for an absent object
Fields present keep their values; fields the structs lack are kept as well.

Control endpoints (no token; JSON bodies; each answers {"ok":true,...}):
  POST /control/append    [updates] or {"updates": [...]}: queue them
  POST /control/script    steps or a script object: append steps
                          (?replace=1 replaces the remaining ones)
  POST /control/conflict  {"mode": "webhook"|"poller"|null, "count": N}:
                          getUpdates answers 409 (N times, or until cleared;
                          deleteWebhook clears "webhook")
  POST /control/privacy   {"can_read_all_group_messages": bool}
  GET  /control/state     pending (update ids), steps_left (per method),
                          last_offset, requests (logged so far), waiting
                          (long polls in progress), conflict
  POST /control/shutdown  stop the server

Log (--log FILE): one JSON object per request, written when its answer is
decided: seq, time, http (GET/POST), method, params (all parameters, parsed),
offset, limit, timeout, allowed_updates (null when absent), status (HTTP
status, null for hang/reset), served (updates, raw, html, truncated,
concatenated, empty, partial, hang, trickle, reset, conflict, unauthorized,
not_found, bad_request, getMe, deleteWebhook, getWebhookInfo), update_ids
(those answered), step (index of the script step used, or null).  The token
is never logged, printed or echoed.

SIGTERM/SIGINT stop it cleanly (exit 0); --owner PID stops it when PID exits.
"""

import argparse
import email.parser
import email.policy
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROG = "fake_botapi"
SPECIALS = ("html", "truncated", "concatenated", "empty", "partial", "hang",
            "trickle", "reset")
SCRIPTED_METHODS = ("getupdates", "getme", "deletewebhook", "getwebhookinfo")
METHOD_NAMES = {"getupdates": "getUpdates", "getme": "getMe",
                "deletewebhook": "deleteWebhook",
                "getwebhookinfo": "getWebhookInfo"}
HTML_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n"
            "<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n")
CONFLICTS = {
    "webhook": "Conflict: can't use getUpdates method while webhook is active; "
               "use deleteWebhook to delete the webhook first",
    "poller": "Conflict: terminated by other getUpdates request; make sure that "
              "only one bot instance is running",
}


# Update kinds in the order of Telegram's Update documentation.
UPDATE_KINDS = (
    "message", "edited_message", "channel_post", "edited_channel_post",
    "business_connection", "business_message", "edited_business_message",
    "deleted_business_messages", "message_reaction", "message_reaction_count",
    "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
    "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
    "removed_chat_boost")
MESSAGE_KINDS = UPDATE_KINDS[:4]
# The structs a relay re-encodes with: field -> type (str, int, bool, list,
# or another struct).
USER_STRUCT = {"id": int, "is_bot": bool, "first_name": str, "last_name": str,
               "username": str, "language_code": str, "is_premium": bool}
CHAT_STRUCT = {"id": int, "type": str, "title": str, "username": str,
               "first_name": str, "last_name": str, "is_forum": bool}
MESSAGE_STRUCT = {"message_id": int, "message_thread_id": int, "from": USER_STRUCT,
                  "sender_chat": CHAT_STRUCT, "date": int, "chat": CHAT_STRUCT,
                  "forward_date": int, "is_automatic_forward": bool, "edit_date": int,
                  "author_signature": str, "text": str, "caption": str, "photo": list}
RELAY_STYLES = ("null", "zero", "false")


def relay_zero(kind, style):
    """What a relay writes for an absent field of this kind."""
    if style == "null" or kind is list:
        return None
    if isinstance(kind, dict):
        return False if style == "false" else relay_struct({}, kind, style)
    return {str: "", int: 0, bool: False}[kind]


def relay_struct(obj, struct, style):
    """obj with every field of struct present (absent ones as the style
    says), nested structs filled the same way."""
    out = dict(obj)
    for name, kind in struct.items():
        if name not in out:
            out[name] = relay_zero(kind, style)
        elif isinstance(kind, dict) and isinstance(out[name], dict):
            out[name] = relay_struct(out[name], kind, style)
    return out


def relay_update(update, style):
    """The update as a struct-based relay re-encodes it."""
    out = {"update_id": update.get("update_id")}
    for kind in UPDATE_KINDS:
        value = update.get(kind)
        if kind in MESSAGE_KINDS and isinstance(value, dict):
            value = relay_struct(value, MESSAGE_STRUCT, style)
        out[kind] = value
    out.update({k: v for k, v in update.items() if k not in out})
    return out


ECHO_FORMS = ("percent", "percent-lower", "partial", "secret")


def echo_token(token, form):
    """The token as a server might quote it in an error description."""
    bot_id, _, secret = token.partition(":")
    if form == "percent":
        return bot_id + "%3A" + secret
    if form == "percent-lower":
        return "".join("%%%02x" % b for b in token.encode())
    if form == "partial":
        return bot_id + "%3a" + "".join(
            "%%%02X" % ord(c) if i % 3 == 0 else c for i, c in enumerate(secret))
    return secret


class BadRequest(Exception):
    pass


def dump(obj):
    """Compact UTF-8 JSON, as the Bot API sends it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class State:
    """Everything the handler threads share, guarded by one condition."""

    def __init__(self, token, log_path, can_read_all, conflict, relay=None):
        self.token = token
        self.relay = relay  # None, or a style of RELAY_STYLES
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 0
        self.cond = threading.Condition()
        self.pending = []  # updates, sorted by update_id
        self.next_id = 1
        self.steps = {m: [] for m in SCRIPTED_METHODS}
        self.steps_used = {m: 0 for m in SCRIPTED_METHODS}
        self.can_read_all = can_read_all
        self.conflict = conflict
        self.conflict_count = None  # None: until cleared
        self.webhook_set = conflict == "webhook"
        self.last_offset = None
        self.seq = 0
        self.active = 0  # requests being answered
        self.waiting = 0  # long polls waiting for updates
        self.stopping = threading.Event()
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    # -- queue and script (call with self.cond held) --

    def append_updates(self, updates):
        if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
            raise BadRequest("updates must be a list of objects")
        known = {u["update_id"] for u in self.pending}
        for update in updates:
            if not isinstance(update.get("update_id"), int):
                rest = {k: v for k, v in update.items() if k != "update_id"}
                update = {"update_id": self.next_id, **rest}
            self.next_id = max(self.next_id, update["update_id"] + 1)
            if update["update_id"] not in known:
                self.pending.append(update)
                known.add(update["update_id"])
        self.pending.sort(key=lambda u: u["update_id"])
        self.cond.notify_all()

    def load_script(self, script, replace=False):
        if isinstance(script, list):
            script = {"getUpdates": script}
        if not isinstance(script, dict):
            raise BadRequest("a script is a list of steps or an object")
        for key, value in script.items():
            name = "getupdates" if key == "steps" else key.lower()
            if key == "updates":
                continue
            if name not in self.steps or not isinstance(value, list):
                raise BadRequest("unknown script key or not a list: %s" % key)
            for step in value:
                check_step(step)
            if replace:
                self.steps[name] = []
            self.steps[name].extend(value)
        if "updates" in script:
            self.append_updates(script["updates"])

    def next_step(self, method):
        if not self.steps.get(method):
            return None, None
        index = self.steps_used[method]
        self.steps_used[method] += 1
        return self.steps[method].pop(0), index

    def confirm(self, offset):
        """Telegram's offset rule: updates below a positive offset are
        confirmed and forgotten; -N keeps only the last N."""
        if offset is None:
            return
        self.last_offset = offset
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def write_log(self, record):
        if self.log is None:
            return
        self.seq += 1
        record = dict(record, seq=self.seq, time=round(time.time(), 3))
        self.log.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.log.flush()


def check_step(step):
    if isinstance(step, list):
        return
    if isinstance(step, str):
        if step not in SPECIALS:
            raise BadRequest("unknown special step: %s" % step)
        return
    if not isinstance(step, dict):
        raise BadRequest("a step is a list, a string or an object")
    if "special" in step and step["special"] not in SPECIALS:
        raise BadRequest("unknown special step: %s" % step["special"])
    if "status" in step and not isinstance(step["status"], int):
        raise BadRequest("status must be an integer")
    if "echo_token" in step and step["echo_token"] not in ECHO_FORMS:
        raise BadRequest("echo_token is one of %s" % ", ".join(ECHO_FORMS))
    if not ("special" in step or "status" in step or "updates" in step):
        raise BadRequest("a step needs updates, status or special")


def parse_int_param(params, name, default=None):
    value = params.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise BadRequest("Bad Request: invalid %s" % name)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadRequest("Bad Request: invalid %s" % name) from None


def decode_form_value(value):
    """Form and query values are strings; arrays come JSON-serialized."""
    if value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""

    def log_message(self, fmt, *args):
        # The default prints the request line, which holds the token.
        if self.server.verbose:
            sys.stderr.write("%s: %s %s\n" % (PROG, self.command,
                                               self.safe_path()))

    def safe_path(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/bot"):
            return "/bot<token>/" + path.split("/", 2)[-1]
        return path

    @property
    def state(self):
        return self.server.state

    # -- request parsing --

    def read_body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(length)) if length else b""

    def parameters(self):
        split = urllib.parse.urlsplit(self.path)
        params = {k: decode_form_value(v[-1]) for k, v in
                  urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        body = self.read_body() if self.command == "POST" else b""
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not body:
            return params
        if ctype == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise BadRequest("Bad Request: can't parse JSON object") from None
            if not isinstance(data, dict):
                raise BadRequest("Bad Request: JSON object expected")
            params.update(data)
        elif ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                         keep_blank_values=True)
            params.update({k: decode_form_value(v[-1]) for k, v in form.items()})
        elif ctype == "multipart/form-data":
            head = ("Content-Type: %s\r\n\r\n" % self.headers["Content-Type"]).encode()
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                head + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    params[name] = decode_form_value(
                        part.get_payload(decode=True).decode("utf-8", "replace"))
        return params

    # -- answers --

    def send_bytes(self, status, body, ctype="application/json", headers=None,
                   length=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status, obj, headers=None):
        self.send_bytes(status, dump(obj),
                        headers=headers)

    def send_error_json(self, code, description, extra=None):
        obj = {"ok": False, "error_code": code, "description": description}
        if extra:
            obj.update(extra)
        self.send_json(code, obj)

    def wait_or_stop(self, seconds):
        """Sleeps, but returns at once when the server stops."""
        return self.state.stopping.wait(seconds)

    def hang(self):
        """Holds the connection until the client closes it or we stop."""
        self.connection.settimeout(0.2)
        while not self.state.stopping.is_set():
            try:
                if self.connection.recv(1, socket.MSG_PEEK) == b"":
                    break
                self.connection.recv(65536)  # discard what the client sends
            except socket.timeout:
                continue
            except OSError:
                break
        self.close_connection = True

    def reset(self):
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def trickle(self, body, interval):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        for i in range(len(body)):
            if self.wait_or_stop(interval):
                break
            try:
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
            except OSError:
                break
        self.close_connection = True

    # -- dispatch --

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        with self.state.cond:
            self.state.active += 1
        try:
            self.dispatch_request()
        finally:
            with self.state.cond:
                self.state.active -= 1
                self.state.cond.notify_all()

    def dispatch_request(self):
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/control/"):
            return self.control(path[len("/control/"):])
        record = {"http": self.command, "method": None, "params": None,
                  "offset": None, "limit": None, "timeout": None,
                  "allowed_updates": None, "status": None, "served": None,
                  "update_ids": None, "step": None}
        parts = path.split("/")
        try:
            params = self.parameters()  # read the body even when refusing
        except (BadRequest, ValueError) as e:
            self.answer_error(record, 400, str(e) if isinstance(e, BadRequest)
                              else "Bad Request", "bad_request")
            return
        if len(parts) != 3 or not parts[1].startswith("bot") or not parts[2]:
            self.answer_error(record, 404, "Not Found", "not_found")
            return
        record["method"] = parts[2]
        record["params"] = params
        if parts[1][3:] != self.state.token:
            self.answer_error(record, 401, "Unauthorized", "unauthorized")
            return
        method = parts[2].lower()
        if method not in METHOD_NAMES:
            self.answer_error(record, 404, "Not Found", "not_found")
            return
        record["method"] = METHOD_NAMES[method]
        try:
            self.api(method, params, record)
        except BadRequest as e:
            self.answer_error(record, 400, str(e), "bad_request")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer_error(self, record, code, description, served):
        with self.state.cond:
            record.update(status=code, served=served)
            self.state.write_log(record)
        self.send_error_json(code, description)

    def api(self, method, params, record):
        state = self.state
        if method == "getupdates":
            offset = parse_int_param(params, "offset")
            limit = parse_int_param(params, "limit", 100)
            timeout = parse_int_param(params, "timeout", 0)
            allowed = params.get("allowed_updates")
            record.update(offset=offset, limit=limit, timeout=timeout,
                          allowed_updates=allowed)
            if not 1 <= limit <= 100:
                limit = 100
        with state.cond:
            step, index = state.next_step(method)
            record["step"] = index
            if method == "getupdates":
                state.confirm(offset)
        if isinstance(step, dict) and step.get("delay"):
            self.wait_or_stop(float(step["delay"]))
        if step is not None:
            return self.scripted(method, step, record, params)
        if method == "getupdates":
            return self.get_updates(record, limit, timeout, wait=True)
        return self.plain(method, record)

    def plain_answer(self, method):
        """The normal answer of a method other than getUpdates; call with the
        condition held."""
        state = self.state
        if method == "getme":
            return {"ok": True, "result": {
                "id": state.bot_id, "is_bot": True, "first_name": "Fake Bot",
                "username": "fake_bot", "can_join_groups": True,
                "can_read_all_group_messages": state.can_read_all,
                "supports_inline_queries": False}}
        if method == "deletewebhook":
            answer = {"ok": True, "result": True,
                      "description": "Webhook was deleted" if state.webhook_set
                      else "Webhook is already deleted"}
            state.webhook_set = False
            if state.conflict == "webhook":
                state.conflict = None
            return answer
        return {"ok": True, "result": {
            "url": "https://example.invalid/hook" if state.webhook_set else "",
            "has_custom_certificate": False,
            "pending_update_count": len(state.pending)}}

    def plain(self, method, record):
        with self.state.cond:
            answer = self.plain_answer(method)
            record.update(status=200, served=METHOD_NAMES[method])
            self.state.write_log(record)
        self.send_json(200, answer)

    def updates_answer(self, limit):
        """The normal getUpdates body; call with the condition held."""
        result = self.state.pending[:limit]
        sent = result
        if self.state.relay is not None:
            sent = [relay_update(u, self.state.relay) for u in result]
        return result, dump({"ok": True, "result": sent})

    def get_updates(self, record, limit, timeout, wait):
        state = self.state
        with state.cond:
            if state.conflict is not None:
                mode = state.conflict
                if state.conflict_count is not None:
                    state.conflict_count -= 1
                    if state.conflict_count <= 0:
                        state.conflict, state.conflict_count = None, None
                record.update(status=409, served="conflict")
                state.write_log(record)
                body = dump({"ok": False, "error_code": 409,
                             "description": CONFLICTS[mode]})
                self.send_bytes(409, body)
                return
            deadline = time.monotonic() + max(timeout, 0)
            state.waiting += 1
            while wait and not state.pending and not state.stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                state.cond.wait(min(left, 0.5))
            state.waiting -= 1
            result, body = self.updates_answer(limit)
            record.update(status=200, served="updates",
                          update_ids=[u["update_id"] for u in result])
            state.write_log(record)
        self.send_bytes(200, body)

    def scripted(self, method, step, record, params):
        state = self.state
        if isinstance(step, list) or (isinstance(step, dict) and "updates" in step
                                      and "status" not in step and "special" not in step):
            with state.cond:
                state.append_updates(step if isinstance(step, list) else step["updates"])
            if method == "getupdates":
                return self.get_updates(record, record["limit"] or 100, 0, wait=False)
            return self.plain(method, record)
        special = step if isinstance(step, str) else step.get("special")
        if special is None:
            return self.raw(step, record)
        with state.cond:
            if method == "getupdates":
                _, normal = self.updates_answer(record["limit"] or 100)
            else:
                normal = dump(self.plain_answer(method))
            record.update(served=special)
            if special in ("html", "truncated", "concatenated", "empty", "partial",
                           "trickle"):
                record["status"] = 502 if special == "html" else 200
            state.write_log(record)
        if special == "html":
            self.send_bytes(502, HTML_502.encode(), ctype="text/html")
        elif special == "truncated":
            self.send_bytes(200, normal[:max(1, len(normal) // 2)])
        elif special == "concatenated":
            self.send_bytes(200, normal + b'{"ok":true,"result":[]}')
        elif special == "empty":
            self.send_bytes(200, b"")
        elif special == "partial":
            self.send_bytes(200, normal[:len(normal) // 2], length=len(normal))
            self.close_connection = True
        elif special == "hang":
            self.hang()
        elif special == "trickle":
            interval = step.get("interval", 1.0) if isinstance(step, dict) else 1.0
            self.trickle(normal, float(interval))
        else:
            self.reset()

    def raw(self, step, record):
        status = step["status"]
        body = step.get("body")
        if body is None and status == 429:
            retry = step.get("retry_after", 1)
            body = {"ok": False, "error_code": 429,
                    "description": "Too Many Requests: retry after %d" % retry,
                    "parameters": {"retry_after": retry}}
        elif body is None and "echo_token" in step:
            quoted = echo_token(self.state.token, step["echo_token"])
            body = {"ok": False, "error_code": status,
                    "description": "Bad Request: no such bot %s (token %s)" % (quoted, quoted)}
        elif body is None:
            body = {"ok": False, "error_code": status,
                    "description": step.get("description", "Error %d" % status)}
        data = body.encode() if isinstance(body, str) else dump(body)
        with self.state.cond:
            record.update(status=status, served="raw")
            self.state.write_log(record)
        self.send_bytes(status, data, ctype=step.get("content_type", "application/json"),
                        headers=step.get("headers"))

    # -- control --

    def control(self, name):
        state = self.state
        try:
            body = self.read_body() if self.command == "POST" else b""
            data = json.loads(body) if body.strip() else None
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            with state.cond:
                if name == "append" and self.command == "POST":
                    updates = data.get("updates") if isinstance(data, dict) else data
                    state.append_updates(updates)
                    answer = {"ok": True, "pending": len(state.pending)}
                elif name == "script" and self.command == "POST":
                    state.load_script(data, replace=query.get("replace") == ["1"])
                    answer = {"ok": True}
                elif name == "conflict" and self.command == "POST":
                    mode = (data or {}).get("mode")
                    if mode is not None and mode not in CONFLICTS:
                        raise BadRequest("mode is webhook, poller or null")
                    count = (data or {}).get("count")
                    if count is not None and (not isinstance(count, int) or count < 1):
                        raise BadRequest("count is a positive integer")
                    state.conflict = mode
                    state.conflict_count = count
                    state.webhook_set = mode == "webhook" or state.webhook_set
                    answer = {"ok": True}
                elif name == "privacy" and self.command == "POST":
                    state.can_read_all = bool((data or {}).get(
                        "can_read_all_group_messages", True))
                    answer = {"ok": True}
                elif name == "state":
                    answer = {"ok": True,
                              "pending": [u["update_id"] for u in state.pending],
                              "steps_left": {METHOD_NAMES[m]: len(s)
                                             for m, s in state.steps.items()},
                              "last_offset": state.last_offset,
                              "requests": state.seq, "waiting": state.waiting,
                              "conflict": state.conflict}
                elif name == "shutdown" and self.command == "POST":
                    answer = {"ok": True}
                    self.server.request_stop()
                else:
                    self.send_error_json(404, "Not Found")
                    return
        except (BadRequest, ValueError, AttributeError) as e:
            self.send_error_json(400, "Bad Request: %s" % e)
            return
        self.send_json(200, answer)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, state, verbose, stop_event):
        self.state = state
        self.verbose = verbose
        self.stop_event = stop_event
        super().__init__(("127.0.0.1", port), Handler)

    def request_stop(self):
        self.state.stopping.set()
        with self.state.cond:
            self.state.cond.notify_all()
        self.stop_event.set()


def read_token(args):
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            return f.read().strip()
    return args.token or os.environ.get("FAKE_BOTAPI_TOKEN", "")


def main():
    parser = argparse.ArgumentParser(
        prog=PROG, description="A fake Telegram Bot API server on 127.0.0.1.",
        epilog="See the header of this file for the script format, the control "
               "endpoints and the log format.")
    parser.add_argument("--token", help="the bot token (shows in ps: prefer "
                        "--token-file or $FAKE_BOTAPI_TOKEN)")
    parser.add_argument("--token-file", help="file holding the bot token")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any)")
    parser.add_argument("--url-file", help="write the base URL here once listening")
    parser.add_argument("--script", help="JSON script of answers")
    parser.add_argument("--log", help="append one JSON line per request here")
    parser.add_argument("--privacy", action="store_true",
                        help="getMe says can_read_all_group_messages=false")
    parser.add_argument("--conflict", choices=sorted(CONFLICTS),
                        help="getUpdates answers 409 until cleared")
    parser.add_argument("--relay", choices=RELAY_STYLES,
                        help="re-encode updates as a struct-based relay does "
                        "(absent kinds null, absent fields null, zero or false)")
    parser.add_argument("--owner", type=int, help="stop when process OWNER exits")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each request (token redacted) on stderr")
    args = parser.parse_args()

    try:
        token = read_token(args)
    except OSError as e:
        print("%s: cannot read the token file: %s" % (PROG, e.strerror), file=sys.stderr)
        return 66
    if ":" not in token:
        print("%s: no token (--token-file, --token or $FAKE_BOTAPI_TOKEN), or it "
              "has no ':'" % PROG, file=sys.stderr)
        return 64

    state = State(token, args.log, not args.privacy, args.conflict, args.relay)
    if args.script:
        try:
            with open(args.script, encoding="utf-8") as f:
                script = json.load(f)
            with state.cond:
                state.load_script(script)
        except (OSError, ValueError, BadRequest) as e:
            print("%s: %s: %s" % (PROG, args.script, e), file=sys.stderr)
            return 65

    stop_event = threading.Event()
    try:
        server = Server(args.port, state, args.verbose, stop_event)
    except OSError as e:
        print("%s: cannot listen on 127.0.0.1:%d: %s" % (PROG, args.port, e.strerror),
              file=sys.stderr)
        return 69
    for signo in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signo, lambda *_: server.request_stop())
    if args.owner:
        def watch_owner():
            while not stop_event.wait(0.5):
                try:
                    os.kill(args.owner, 0)
                except ProcessLookupError:
                    server.request_stop()
                except PermissionError:
                    pass
        threading.Thread(target=watch_owner, daemon=True).start()

    url = "http://127.0.0.1:%d" % server.server_address[1]
    if args.url_file:
        tmp = args.url_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(url + "\n")
        os.replace(tmp, args.url_file)
    print(url, flush=True)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    while not stop_event.wait(0.5):
        pass
    server.shutdown()
    thread.join()
    # Let answers in progress (long polls end at once) reach their clients;
    # idle keep-alive connections are not waited for.
    with state.cond:
        deadline = time.monotonic() + 2
        while state.active and time.monotonic() < deadline:
            state.cond.wait(0.1)
    server.server_close()
    if state.log:
        state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
