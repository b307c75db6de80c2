#!/usr/bin/python3
"""Differential check of bulkhead's qrexec policy engine against upstream's
Python implementation (QubesOS/qubes-core-qrexec).

usage: policy-differential.py UPSTREAM_CHECKOUT BUILD_DIR [--policies N]
           [--requests N] [--seed S] [--only I] [--dump N] [--dangling]
           [--verbose] [--keep]
(run it with the system python3; upstream needs 3.9 or later)

Generates random system info, random policy directories (policy.d files, a
second directory merged by file name, !include / !include-dir /
!include-service targets, symlinks, a legacy 4.0 directory for
!compat-4.0, deliberate syntax errors) and random requests; evaluates every
request with upstream's parser (imported at run time from the given
checkout; nothing of it is copied here; the legacy directory is set by
patching qrexec.policy.parser_compat.POLICYPATH_OLD) and with
BUILD_DIR/policy/qrexec-policy-explain --batch, and compares verdicts, the
deciding rule, allow targets and the whole allow reply, user, autostart,
notify, ask candidates and default targets. A policy that fails to load
must fail in both.

Mismatches are sorted into the documented deliberate differences of our
engine (counted by class, "doc: ...") and real discrepancies, which are
dumped with the policy and the request. Reproduce one with
--seed S --only I --keep.

Exit status: 0 when there is no real discrepancy, 1 otherwise.
"""

import argparse
import collections
import json
import logging
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import uuid

DOM0_UUID = "00000000-0000-0000-0000-000000000000"

# ---------------------------------------------------------------------------
# system info

def _dom(tags=(), typ="AppVM", dvm="default-dvm", tmpl=False, power="Halted",
         uid=None, **extra):
    d = {"tags": list(tags), "type": typ, "default_dispvm": dvm,
         "template_for_dispvms": tmpl, "power_state": power, "uuid": uid,
         "icon": "appvm-red", "label": "0xcc0000", "guivm": "dom0"}
    d.update(extra)
    return d


def _u(name):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, name + ".bulkhead.test"))


def base_domains():
    """The upstream test fixture as described in the research notes
    (policy-language.md, section 5.2); uuids not given there are made up."""
    d = collections.OrderedDict()
    d["dom0"] = _dom(["dom0-tag"], "AdminVM", power="Running", uid=DOM0_UUID, guivm=None)
    d["test-vm1"] = _dom(["tag1", "tag2"], power="Running",
                         uid="c9024a97-9b15-46cc-8341-38d75d5d421b")
    d["test-vm2"] = _dom(["tag2"], power="Running", uid="b3eb69d0-f9d9-4c3c-ad5c-454500303ea4")
    d["test-vm3"] = _dom(["tag3"], tmpl=True, uid="fa6d56e8-a89d-4106-aa62-22e172a43c8b")
    d["test-vm4"] = _dom([], tmpl=True, uid="91e4fe8d-083b-4ddf-ad7b-fb4ebac537b9")
    d["default-dvm"] = _dom([], tmpl=True, uid="f3e538bd-4427-4697-bed7-45ef3270df21")
    d["default-mgmt-dvm"] = _dom([], tmpl=True, uid=_u("default-mgmt-dvm"), internal=True)
    d["internal-vm"] = _dom([], uid=_u("internal-vm"), internal=True)
    d["test-invalid-dvm"] = _dom(["tag1", "tag2"], dvm="test-vm1", uid=_u("test-invalid-dvm"))
    d["test-no-dvm"] = _dom(["tag1", "tag2"], dvm=None, uid=_u("test-no-dvm"))
    d["test-template"] = _dom(["tag1", "tag2"], "TemplateVM", uid=_u("test-template"))
    d["test-standalone"] = _dom(["tag1", "tag2"], "StandaloneVM",
                                uid="6d7a02b5-532b-467f-b9fb-6596bae03c33")
    d["test-remotevm1"] = _dom(["relayvm-test-relayvm1"], "RemoteVM", power="Running",
                               uid=_u("test-remotevm1"), relayvm="test-relayvm1",
                               transport_rpc="qubesair.SSHProxy")
    del d["test-remotevm1"]["default_dispvm"]
    d["test-relayvm1"] = _dom([], dvm=None, power="Running", uid=_u("test-relayvm1"))
    d["test2-remotevm1"] = _dom(["relayvm-test2-relayvm1"], "RemoteVM", dvm=None,
                                power="Running", uid=_u("test2-remotevm1"),
                                relayvm="test2-relayvm1")
    d["test2-remotevm2"] = _dom(["relayvm-test2-relayvm2"], "RemoteVM", power="Running",
                                uid=_u("test2-remotevm2"), relayvm="test2-relayvm2",
                                transport_rpc="qubesair.SSHProxy")
    del d["test2-remotevm2"]["default_dispvm"]
    d["test2-vm1"] = _dom([], dvm=None, power="Running",
                          uid="c798d6db-360f-473a-b902-1cc58ffd3ab0")
    d["test2-relayvm1"] = _dom([], dvm=None, power="Running", uid=_u("test2-relayvm1"))
    d["test2-relayvm2"] = _dom([], dvm=None, power="Running", uid=_u("test2-relayvm2"))
    return d


TAGS = ["tag1", "tag2", "tag3", "dom0-tag", "tagx", "relayvm-test-relayvm1", "guivm-dom0"]
TYPES = ["AppVM", "AdminVM", "TemplateVM", "StandaloneVM", "DispVM", "RemoteVM"]
EXTRA_NAMES = ["work", "personal", "vault", "sys-net", "sys-usb", "disp1234",
               "fedora-dvm", "debian-12", "anon-whonix", "remote-a", "remote-b",
               "relay-x", "mgmt-x", "a", "Z.9_q-"]


def gen_domains(rng, dangling):
    d = base_domains()
    names = list(d)
    for name in rng.sample(EXTRA_NAMES, rng.randint(0, 7)):
        typ = rng.choice(["AppVM"] * 4 + TYPES[2:])
        dom = _dom(rng.sample(TAGS, rng.randint(0, 3)), typ,
                   tmpl=typ in ("AppVM", "StandaloneVM") and rng.random() < 0.4,
                   power=rng.choice(["Running", "Halted", "Paused"]),
                   uid=str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        r = rng.random()
        if r < 0.25:
            dom["default_dispvm"] = None
        elif r < 0.35:
            del dom["default_dispvm"]
        elif r < 0.9:
            dom["default_dispvm"] = rng.choice(names)
        elif dangling:
            dom["default_dispvm"] = "ghost-dvm"
        r = rng.random()
        if r < 0.15:
            dom["internal"] = rng.choice([True, "1", 1])
        elif r < 0.3:
            dom["internal"] = rng.choice([False, None, "", 0])
        if typ == "RemoteVM":
            r = rng.random()
            if r < 0.7:
                dom["relayvm"] = rng.choice(names)
            elif r < 0.85:
                dom["relayvm"] = None
            elif dangling:
                dom["relayvm"] = "ghost-relay"
            r = rng.random()
            if r < 0.7:
                dom["transport_rpc"] = "qubesair.SSHProxy"
            elif r < 0.85:
                dom["transport_rpc"] = rng.choice([None, ""])
        d[name] = dom
        names.append(name)
    # sometimes change the fixture a little
    for name in rng.sample(names, rng.randint(0, 3)):
        if name == "dom0":
            continue
        dom = d[name]
        k = rng.choice(["power_state", "template_for_dispvms", "tags", "default_dispvm"])
        if k == "power_state":
            dom[k] = rng.choice(["Running", "Halted"])
        elif k == "template_for_dispvms":
            dom[k] = not dom[k]
        elif k == "tags":
            dom[k] = rng.sample(TAGS, rng.randint(0, 3))
        else:
            dom[k] = rng.choice(names + [None])
    return d


def upstream_system_info(domains):
    """What qrexec.utils.get_system_info() makes of qubesd's JSON: a `name`
    in each entry and a `uuid:UUID` alias key."""
    inner = json.loads(json.dumps(domains))
    for name, dom in list(inner.items()):
        dom["name"] = name
        if dom.get("uuid") is not None:
            inner["uuid:" + dom["uuid"]] = dom
    return {"domains": inner}


# ---------------------------------------------------------------------------
# tokens

MISSING = ["no-such-vm", "test-vm9", "$anyvm", "uuid:d8a249f1-b02b-4944-a9e5-437def2fbe2c",
           "Test-VM1", "vm1"]
SERVICES = ["test.Service", "qubes.Filecopy", "svc", "A.b-c_d", "test.Allow", "x"]
ARGS = ["+", "+argument", "+arg", "+a+b", "+X.y_z-1"]


class Gen:
    def __init__(self, rng, domains):
        self.rng = rng
        self.dom = domains
        self.names = list(domains)
        self.templates = [n for n, d in domains.items() if d["template_for_dispvms"]]
        self.nontemplates = [n for n, d in domains.items() if not d["template_for_dispvms"]]
        self.remotes = [n for n, d in domains.items() if d["type"] == "RemoteVM"]
        self.svcfmt = False
        # what the rules name, so that requests hit them often
        self.hint_pairs = []
        self.hint_src = []
        self.hint_tgt = []
        self.hint_rules = []

    def note_pair(self, svc, arg):
        if svc != "*":
            self.hint_pairs.append((svc, "" if arg == "*" else arg))

    def note_rule(self, svc, arg, src, tgt):
        self.hint_rules.append((svc, arg, src, tgt))

    def instance(self, tok, col):
        """A request value the token would match (often)."""
        rng = self.rng
        if tok in ("*", "@anyvm"):
            return rng.choice(self.names) if col == "src" else self.pick([
                (5, lambda: rng.choice(self.names)), (1, "@dispvm"), (1, "")])
        if tok.startswith("@type:"):
            m = [n for n, d in self.dom.items() if d["type"] == tok[6:]]
            return rng.choice(m) if m else rng.choice(self.names)
        if tok.startswith("@tag:"):
            m = [n for n, d in self.dom.items() if tok[5:] in d["tags"]]
            return rng.choice(m) if m else rng.choice(self.names)
        if tok.startswith("@dispvm:@tag:"):
            m = [n for n, d in self.dom.items() if tok[13:] in d["tags"]]
            return "@dispvm:" + (rng.choice(m) if m else rng.choice(self.names))
        if tok == "@default":
            return rng.choice(["", "@default", "no-such-vm"])
        if tok == "@adminvm":
            return rng.choice(["@adminvm", "dom0"])
        return tok

    def note_tokens(self, src, tgt):
        if not src.startswith("@") and src != "*":
            self.hint_src.append(src)
        if not tgt.startswith("@") and tgt != "*":
            self.hint_tgt.append(tgt)
        elif tgt.startswith("@dispvm:") and not tgt.startswith("@dispvm:@"):
            self.hint_tgt.append(tgt)

    def pick(self, weighted):
        total = sum(w for w, _ in weighted)
        r = self.rng.random() * total
        for w, f in weighted:
            r -= w
            if r < 0:
                return f() if callable(f) else f
        f = weighted[-1][1]
        return f() if callable(f) else f

    def uuid_of(self, name):
        return "uuid:" + self.dom[name]["uuid"]

    def name(self):
        rng = self.rng
        return self.pick([
            (60, lambda: rng.choice(self.names)),
            (15, lambda: self.uuid_of(rng.choice(self.names))),
            (6, "dom0"),
            (4, "uuid:" + DOM0_UUID),
            (10, lambda: rng.choice([m for m in MISSING
                                     if not (self.svcfmt and "$" in m)])),
        ])

    def dispvm_base(self):
        rng = self.rng
        return self.pick([
            (55, lambda: rng.choice(self.templates) if self.templates else "default-dvm"),
            (15, lambda: rng.choice(self.nontemplates)),
            (10, lambda: self.uuid_of(rng.choice(self.templates or self.names))),
            (5, "no-such-dvm"),
        ])

    def tag(self):
        return self.rng.choice(TAGS + ["nosuchtag"])

    def qtype(self):
        return self.rng.choice(TYPES + ["NoSuchType"])

    def token(self, ctx):
        """A valid token for ctx: source, target, redirect."""
        s, t, r = ctx == "source", ctx == "target", ctx == "redirect"
        opts = [(40, self.name)]
        if s or t:
            opts += [(6, "*"), (10, "@anyvm"), (6, lambda: "@type:" + self.qtype()),
                     (8, lambda: "@tag:" + self.tag()),
                     (3, lambda: "@dispvm:@tag:" + self.tag())]
        opts += [(5, "@adminvm"), (6, lambda: "@dispvm:" + self.dispvm_base())]
        if t:
            opts += [(8, "@default")]
        if t or r:
            opts += [(8, "@dispvm")]
        return self.pick(opts)

    def bad_token(self, ctx):
        rng = self.rng
        common = ["@invalid", "@tag:", "@type:", "@dispvm:", "@dispvm:@tag:",
                  "@uuid:" + DOM0_UUID, "@dispvm:@foo", "@anyvm:x", "@"]
        if ctx == "source":
            return rng.choice(common + ["@default", "@dispvm"])
        if ctx == "target":
            return rng.choice(common)
        return rng.choice(common + ["*", "@anyvm", "@tag:tag1", "@default",
                                    "@type:AppVM", "@dispvm:@tag:tag1", ""])

    def service_arg(self):
        rng = self.rng
        svc = rng.choice(SERVICES + ["*"] * 3)
        if svc == "*":
            return svc, "*"
        return svc, rng.choice(["*"] * 3 + ARGS)

    def user(self):
        return self.rng.choice(["root", "user", "", "DEFAULT", "a=b", "u$x"])

    def params(self, action, tgt):
        rng = self.rng
        ps = []
        if action in ("allow", "ask") and (rng.random() < 0.35 or
                                            (tgt == "@default" and action == "allow")):
            ps.append("target=" + self.token("redirect"))
        if action == "ask" and rng.random() < 0.35:
            ps.append("default_target=" + self.token("redirect"))
        if action != "deny" and rng.random() < 0.2:
            ps.append("user=" + self.user())
        if rng.random() < 0.2:
            ps.append("notify=" + rng.choice(["yes", "no"]))
        if action != "deny" and rng.random() < 0.25:
            ps.append("autostart=" + rng.choice(["yes", "no"]))
        rng.shuffle(ps)
        return ps

    def ws(self):
        return self.rng.choice([" ", " ", "\t", "  ", " \t "])

    # --- 4.1 format -----------------------------------------------------

    def rule_fields(self):
        svc, arg = self.service_arg()
        src = self.token("source")
        tgt = self.token("target")
        action = self.rng.choice(["allow", "deny", "ask", "allow", "ask"])
        self.note_pair(svc, arg)
        self.note_tokens(src, tgt)
        self.note_rule(svc, arg, src, tgt)
        return [svc, arg, src, tgt, action] + self.params(action, tgt)

    def rule_line(self):
        f = self.rule_fields()
        pre = self.rng.choice(["", "", "", " ", "\t"])
        post = self.rng.choice(["", "", "", " ", "\t"])
        return pre + self.ws().join(f) + post

    def bad_rule_line(self):
        rng = self.rng
        f = self.rule_fields()
        kind = rng.randrange(22)
        if kind == 0:
            f = f[:4]
        elif kind == 1:
            f[2] = self.bad_token("source")
        elif kind == 2:
            f[3] = self.bad_token("target")
        elif kind == 3:
            f[4] = rng.choice(["Allow", "permit", "allow,target=test-vm1", "deny,notify=no"])
        elif kind == 4:
            f.append(rng.choice(["notify", "#", "# comment", "target"]))
        elif kind == 5:
            f.append(rng.choice(["notify=maybe", "autostart=1", "notify=Yes"]))
        elif kind == 6:
            f += ["notify=yes", "notify=no"]
        elif kind == 7:
            f.append(rng.choice(["foo=bar", "users=root", "Target=x"]))
        elif kind == 8:
            f[4] = "deny"
            f = f[:5] + [rng.choice(["target=test-vm1", "default_target=test-vm1",
                                     "user=root", "autostart=no"])]
        elif kind == 9:
            f[4] = "allow"
            f = f[:5] + ["default_target=test-vm1"]
        elif kind == 10:
            f[4] = rng.choice(["allow", "ask"])
            f = f[:5] + ["target=" + self.bad_token("redirect")]
        elif kind == 11:
            f[4] = "ask"
            f = f[:5] + ["default_target=" + self.bad_token("redirect")]
        elif kind == 12:
            f[3] = "@default"
            f[4] = "allow"
            f = f[:5] + [p for p in f[5:] if not p.startswith("target=")]
        elif kind == 13:
            f[0] = rng.choice(["bad+svc", "bad/svc", "a b", "svc*", "$svc", "@svc"])
            if f[0] == "a b":
                f[0] = "a"
                f.insert(1, "b")
        elif kind == 14:
            f[1] = rng.choice(["noplus", "+bad/arg", "+a b", "+*", "+$"])
        elif kind == 15:
            f[0], f[1] = "*", rng.choice(ARGS)
        elif kind == 16:
            f = f[:3]
        elif kind == 17:
            f.insert(2, "extra")
        elif kind == 18:
            f[4] = rng.choice(["allow", "ask"])
            f = f[:5] + ["target="]
        elif kind == 19:
            f[2] = "$anyvm"
            f[3] = "@anyvm"
            f[4] = "allow,target=dom0"
        elif kind == 20:
            f = ["!" + rng.choice(["bogus", "include_dir", "Include", "compat-4.1", ""])]
        else:
            f = [rng.choice(["!include", "!include-dir"])] + ["x"] * rng.choice([0, 2])
        return self.ws().join(f)

    # --- service format ---------------------------------------------------

    def dollar(self, tok):
        if tok.startswith("@") and self.rng.random() < 0.6:
            return tok.replace("@", "$")
        return tok

    def service_line(self):
        rng = self.rng
        self.svcfmt = True  # no names with '$' (they would turn into @words)
        src = self.token("source")
        tgt = self.token("target")
        self.note_tokens(src, tgt)
        action = rng.choice(["allow", "deny", "ask", "allow", "ask"])
        ps = [self.dollar(p) for p in self.params(action, tgt)]
        self.svcfmt = False
        src, tgt = self.dollar(src), self.dollar(tgt)
        if rng.random() < 0.5:
            act = ",".join([action] + ps)
        else:
            act = " ".join([action] + ps)
        return self.ws().join([src, tgt, act])

    def bad_service_line(self):
        rng = self.rng
        kind = rng.randrange(8)
        if kind == 0:
            return rng.choice(["$anyvm", "@anyvm", "x"])
        if kind == 1:
            return rng.choice(["!include-service svc * x", "!compat-4.0", "!include-dir x",
                               "!bogus"])
        if kind == 2:
            return "!include"
        if kind == 3:
            return "$anyvm $anyvm allow,notify=maybe"
        if kind == 4:
            return "$anyvm $default allow"
        if kind == 5:
            return "test.Service * @anyvm @anyvm allow"
        if kind == 6:
            return self.bad_token("source") + " @anyvm allow"
        return "$anyvm $anyvm deny,target=dom0"

    def request(self, used_services):
        rng = self.rng
        if self.hint_rules and rng.random() < 0.4:
            # aimed at one rule
            svc, arg, src, tgt = rng.choice(self.hint_rules)
            if svc == "*":
                svc = rng.choice(used_services or SERVICES)
            if arg == "*":
                arg = rng.choice(["", "+"] + ARGS)
            return (svc, arg, self.instance(src, "src"), self.instance(tgt, "tgt"), "")
        if self.hint_pairs and rng.random() < 0.5:
            svc, arg = rng.choice(self.hint_pairs)
            if not arg and rng.random() < 0.5:
                arg = rng.choice(ARGS)
        else:
            if used_services and rng.random() < 0.75:
                svc = rng.choice(used_services)
            else:
                svc = rng.choice(SERVICES + ["other.Service", "qubes.VMShell"])
            arg = rng.choice(["", "", "+"] + ARGS)
        src = self.pick([
            (30 if self.hint_src else 0, lambda: rng.choice(self.hint_src)),
            (70, lambda: rng.choice([n for n in self.names if n != "dom0"])),
            (8, lambda: self.uuid_of(rng.choice(self.names))),
            (5, "dom0"),
            (5, lambda: rng.choice(["no-such-vm", "ghost", "@dispvm:default-dvm",
                                    "uuid:d8a249f1-b02b-4944-a9e5-437def2fbe2c",
                                    "@adminvm", "uuid:" + DOM0_UUID, "@anyvm", "*"])),
        ])
        tgt = self.pick([
            (25 if self.hint_tgt else 0, lambda: rng.choice(self.hint_tgt)),
            (40, lambda: rng.choice(self.names)),
            (8, ""),
            (8, "@default"),
            (8, "@dispvm"),
            (10, lambda: "@dispvm:" + self.dispvm_base()),
            (5, "@adminvm"),
            (4, "dom0"),
            (3, "uuid:" + DOM0_UUID),
            (8, lambda: self.uuid_of(rng.choice(self.names))),
            (6, lambda: rng.choice(MISSING)),
            (4, lambda: rng.choice(["@anyvm", "*", "@tag:tag1", "@invalid", "@type:AppVM",
                                    "@dispvm:@tag:tag3", "@dispvm:"])),
        ])
        rsrc = ""
        if self.remotes and rng.random() < 0.1:
            rsrc = self.pick([
                (70, lambda: rng.choice(self.remotes)),
                (15, lambda: rng.choice(self.names)),
                (5, "no-such-vm"),
            ])
            if rng.random() < 0.8:
                relay = self.dom.get(rsrc, {}).get("relayvm")
                if relay:
                    src = relay
        return svc, arg, src, tgt, rsrc


# ---------------------------------------------------------------------------
# policy directories

FILE_STEMS = ["10-a", "30-user", "35-compat", "50-config", "70-x", "90-default", "a.b",
              "z_z", "00", "99-last", "-dash", "5"]


class PolicyTree:
    """A random policy tree under root: pol/ (policy.d), pol/include/ (files
    for !include and !include-service), pol/incdir/ (for !include-dir),
    legacy/ (the 4.0 directory). Returns the text of every file for dumps."""

    def __init__(self, gen, root, p_err):
        self.g = gen
        self.rng = gen.rng
        self.root = root
        self.pol = os.path.join(root, "pol")
        self.pol2 = os.path.join(root, "pol2")  # a second directory, sometimes
        self.dirs = [self.pol]
        self.legacy = os.path.join(root, "legacy")
        self.files = collections.OrderedDict()
        self.services = set()
        self.p_err = p_err
        self.errors = 0

    def err(self):
        if self.rng.random() < self.p_err:
            self.errors += 1
            return True
        return False

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        self.files[rel] = text

    def join_lines(self, lines):
        rng = self.rng
        nl = rng.choice(["\n"] * 8 + ["\r\n", "\r"])
        text = nl.join(lines)
        if lines and rng.random() < 0.85:
            text += nl
        return text

    def filler(self):
        return self.rng.choice(["", "# comment", "   ", "#!include nothing", "\t# x y z"])

    def note_service(self, svc):
        if svc not in ("*",):
            self.services.add(svc)

    def rules41(self, n, allow_directives, depth):
        rng = self.rng
        lines = []
        for _ in range(n):
            r = rng.random()
            if r < 0.1:
                lines.append(self.filler())
            elif r < 0.16 and allow_directives:
                lines.append(self.directive(depth))
            elif self.err():
                lines.append(self.g.bad_rule_line())
            else:
                line = self.g.rule_line()
                self.note_service(line.split()[0])
                lines.append(line)
        if rng.random() < 0.02:
            # deliberately odd characters: non-ASCII or control characters
            lines.insert(rng.randrange(len(lines) + 1), rng.choice([
                "test.Service * test-vm1 vm\u00e9 allow",
                "test.Service * test-vm1 test-vm2 allow\x01",
                "# \u00e9 only in a comment",
                "test.Service * test-vm1\x0btest-vm2 allow",
                "test.Service * test-vm1\x1ctest-vm2 allow",
                "test.Service * test-vm1 test-vm2\u00a0allow",
            ]))
            self.errors += 1
        return lines

    def service_file(self, n, base="pol", nested=True):
        rng = self.rng
        lines = []
        for _ in range(n):
            r = rng.random()
            if r < 0.1:
                lines.append(self.filler())
            elif r < 0.14 and nested:
                lines.append(self.service_include(base))
            elif self.err():
                lines.append(self.g.bad_service_line())
            else:
                lines.append(self.g.service_line())
        return lines

    def service_include(self, base):
        """!include (or $include:) inside a service-format file: a
        service-format file (without includes) under BASE/include/. Paths
        resolve against the policy.d dir, or the legacy dir in compat."""
        rng = self.rng
        name = "include/svcinc-%d" % rng.randrange(3)
        if base + "/" + name not in self.files:
            self.write(base + "/" + name,
                       self.join_lines(self.service_file(rng.randint(1, 4), base, False)))
        form = rng.choice(["!include ", "$include:"])
        return form + name

    def directive(self, depth):
        rng = self.rng
        if self.err():
            return rng.choice([
                "!include include/nonexistent",
                "!include-dir nonexistent",
                "!include-dir include/inc-0",
                "!include-service svc +arg include",
                "!include-service bad+svc * include/x",
                "!include-service svc noplus include/x",
                "!include-service * +arg include/x",
                "!compat-4.0 extra",
                "!include include/inc-0 extra",
            ])
        kind = self.g.pick([(30, "include"), (15, "dir"), (30, "service"), (15, "compat"),
                            (1, "odd")])
        if kind == "compat":
            return "!compat-4.0"
        if kind == "odd":
            # an include of no *.policy file, or of the policy dir itself
            # (a cycle: RecursionError upstream)
            return rng.choice(["!include-dir include", "!include-dir include/",
                               "!include-dir .", "!include-dir ../pol"])
        if kind == "include" and depth < 3:
            # a file at depth d includes only files of depth d+1: no cycles
            name = "include/inc-%d%d" % (depth + 1, rng.randrange(3))
            if "pol/" + name not in self.files:
                self.files["pol/" + name] = None  # being generated
                lines = self.rules41(rng.randint(1, 5), True, depth + 1)
                self.write("pol/" + name, self.join_lines(lines))
            return "!include " + self.pathform(name)
        if kind == "dir" and depth < 1:
            if "incdir" not in self.files:
                self.files["incdir"] = None
                os.makedirs(os.path.join(self.pol, "incdir"), exist_ok=True)
                for i in range(rng.randint(0, 3)):
                    fname = rng.choice(FILE_STEMS) + ".policy"
                    self.write("pol/incdir/" + fname,
                               self.join_lines(self.rules41(rng.randint(1, 5), depth < 1,
                                                            depth + 1)))
                self.odd_files("pol/incdir/")
            return "!include-dir " + self.pathform("incdir")
        svc, arg = self.g.service_arg()
        self.note_service(svc)
        self.g.note_pair(svc, arg)
        name = "include/svc-%d" % rng.randrange(4)
        if "pol/" + name not in self.files:
            self.write("pol/" + name, self.join_lines(self.service_file(rng.randint(1, 5))))
        return "!include-service %s %s %s" % (svc, arg, self.pathform(name))

    def pathform(self, rel):
        rng = self.rng
        r = rng.random()
        if r < 0.75:
            return rel
        if r < 0.85:
            return os.path.join(self.pol, rel)
        if r < 0.9:
            return "./" + rel
        return rng.choice(["../pol/", "include/../", "nonexistent/../", ".//"]) + rel + \
            rng.choice(["", "", "/"])

    def odd_files(self, d):
        """Entries that are ignored (or, rarely, fatal) in a policy.d dir."""
        rng = self.rng
        if rng.random() < 0.3:
            self.write(d + rng.choice(["README", "x.policy.bak", ".hidden.policy",
                                       "notes.txt", "a.policy~", ".policy"]),
                       "this is not policy\n")
        if rng.random() < 0.015:
            self.write(d + rng.choice(["Bad.policy", "a b.policy", "x+y.policy",
                                       "\u00e9.policy"]),
                       "* * @anyvm @anyvm allow\n")
            self.errors += 1

    def legacy_dir(self):
        rng = self.rng
        r = rng.random()
        if r < 0.05:
            return  # missing legacy directory
        if r < 0.06:
            self.write("legacy", "not a directory\n")
            return
        os.makedirs(self.legacy, exist_ok=True)
        for _ in range(rng.randint(0, 5)):
            svc = rng.choice(SERVICES)
            self.note_service(svc)
            name = svc + rng.choice(["", "", "+", "+argument", "+arg", "+a+b"])
            self.g.note_pair(svc, name[len(svc):] or "*")
            lines = self.service_file(rng.randint(1, 5), "legacy")
            if rng.random() < 0.2:
                lines.insert(0, rng.choice(["$include:include/legacy-inc",
                                            "$include:" + self.legacy + "/include/legacy-inc",
                                            "!include include/legacy-inc"]))
                if "legacy/include/legacy-inc" not in self.files:
                    self.write("legacy/include/legacy-inc",
                               self.join_lines(self.service_file(rng.randint(1, 3), "legacy")))
            self.write("legacy/" + name, self.join_lines(lines))
        if rng.random() < 0.3:
            self.write("legacy/" + rng.choice(["test.Service.rpmsave", ".hidden",
                                               "svc.swp", "bad name", "svc@x", "x.rpmnew"]),
                       "$anyvm $anyvm allow\n")

    def cycle(self):
        """An include cycle, or a chain deeper than our limit."""
        rng = self.rng
        if rng.random() < 0.5:
            self.write("pol/include/cyc-a", "!include include/cyc-b\n")
            self.write("pol/include/cyc-b", "* * @anyvm @anyvm deny\n!include include/cyc-a\n")
            return "!include include/cyc-a"
        depth = rng.randint(14, 20)
        for i in range(depth):
            nxt = "!include include/chain-%d\n" % (i + 1) if i + 1 < depth else ""
            self.write("pol/include/chain-%d" % i, "# level %d\n%s" % (i, nxt))
        return "!include include/chain-0"

    def build(self):
        rng = self.rng
        os.makedirs(self.pol)
        self.legacy_dir()
        stems = rng.sample(FILE_STEMS, rng.randint(1, 5))
        compat_at = rng.randrange(len(stems)) if rng.random() < 0.4 else -1
        for i, stem in enumerate(sorted(stems)):
            lines = self.rules41(rng.randint(1, 12), True, 0)
            if i == compat_at:
                lines.insert(rng.randrange(len(lines) + 1), "!compat-4.0")
            if rng.random() < 0.015:
                lines.insert(rng.randrange(len(lines) + 1), self.cycle())
                self.errors += 1
            self.write("pol/" + stem + ".policy", self.join_lines(lines))
        self.odd_files("pol/")
        if rng.random() < 0.25:
            # like /run/qubes/policy.d before /etc/qubes/policy.d: merged by
            # file name, the first directory wins
            self.dirs.append(self.pol2)
            os.makedirs(self.pol2)
            for stem in rng.sample(FILE_STEMS, rng.randint(0, 4)):
                lines = self.rules41(rng.randint(1, 6), False, 0)
                if rng.random() < 0.2:
                    lines.append("!compat-4.0")
                if rng.random() < 0.2:
                    lines.append("!include include/x2")
                    self.write("pol2/include/x2", self.join_lines(self.rules41(2, False, 1)))
                self.write("pol2/" + stem + ".policy", self.join_lines(lines))
            if rng.random() < 0.5:
                self.dirs.reverse()
        self.links()
        if rng.random() < 0.01:
            # bytes that are not UTF-8, or a byte order mark
            stem = rng.choice(stems)
            path = os.path.join(self.pol, stem + ".policy")
            with open(path, "ab") as f:
                f.write(rng.choice([b"# caf\xe9\n", b"\xef\xbb\xbf# bom\n",
                                    b"\xff\xfe\n"]))
            self.files["pol/" + stem + ".policy"] += " [+ odd bytes]"
            self.errors += 1
        return self

    def links(self):
        """Symbolic links: followed for files and includes, a dangling one
        or a directory named *.policy is ignored."""
        rng = self.rng
        incs = [f for f in self.files if f.startswith("pol/include/inc-")
                and self.files[f] is not None]
        if incs and rng.random() < 0.1:
            name = rng.choice(["lnk.policy", "zz-link.policy", "00-link.policy"])
            os.symlink(os.path.join(self.root, rng.choice(incs)),
                       os.path.join(self.pol, name))
            self.files["pol/" + name] = "(symlink)"
        if rng.random() < 0.05:
            os.symlink(os.path.join(self.root, "nowhere"), os.path.join(self.pol, "dangl.policy"))
        if rng.random() < 0.05:
            os.makedirs(os.path.join(self.pol, "dir.policy"), exist_ok=True)
        if incs and rng.random() < 0.1:
            # a top-level file including through a symlink
            os.symlink(os.path.join(self.root, rng.choice(incs)),
                       os.path.join(self.pol, "include", "via-link"))
            self.write("pol/zz-via.policy", "!include include/via-link\n")


# ---------------------------------------------------------------------------
# evaluation

class Upstream:
    def __init__(self, checkout, stubdir):
        with open(os.path.join(stubdir, "pyinotify.py"), "w") as f:
            f.write("# stub for the differential harness\n"
                    "class WatchManager: pass\n"
                    "class Notifier: pass\n"
                    "class ProcessEvent: pass\n")
        sys.path.insert(0, stubdir)
        sys.path.insert(0, checkout)
        import qrexec.exc
        import qrexec.policy.parser
        import qrexec.policy.parser_compat
        self.exc = qrexec.exc
        self.parser = qrexec.policy.parser
        self.compat = qrexec.policy.parser_compat
        if not str(pathlib.Path(self.parser.__file__).resolve()).startswith(
                str(pathlib.Path(checkout).resolve())):
            raise SystemExit("qrexec was not imported from %s" % checkout)

    def load(self, dirs, legacy):
        # FilePolicy's !compat-4.0 uses Compat40Loader(), which reads the
        # module's POLICYPATH_OLD when created
        self.compat.POLICYPATH_OLD = pathlib.Path(legacy)
        try:
            return self.parser.FilePolicy(policy_path=[pathlib.Path(d) for d in dirs]), None
        except self.exc.AccessDenied as e:
            return None, {"result": "error", "reason": str(e)}
        except BaseException as e:  # RecursionError, UnicodeDecodeError, ...
            if isinstance(e, KeyboardInterrupt):
                raise
            return None, {"result": "loadcrash", "reason": "%s: %s" % (type(e).__name__, e)}

    @staticmethod
    def run_coro(coro):
        try:
            coro.send(None)
        except StopIteration as e:
            return e.value
        coro.close()
        raise RuntimeError("execute() suspended")

    def evaluate(self, policy, si, svc, arg, src, tgt, rsrc):
        P = self.parser
        # as qrexec-policy-exec's handle_request splits SERVICE[+ARG]
        svc_arg = svc + arg
        if "+" in svc_arg:
            i = svc_arg.index("+")
            svc, arg = svc_arg[:i], svc_arg[i:]
        else:
            arg = "+"
        try:
            req = P.Request(svc, arg, src, tgt, system_info=si, requested_source=rsrc)
            res = policy.evaluate(req)
            rule = "%s:%s" % (res.rule.filepath, res.rule.lineno)
            if isinstance(res, P.AllowResolution):
                out = {"result": "allow", "target": str(res.target),
                       "user": res.user or "DEFAULT", "autostart": res.autostart,
                       "rule": rule, "notify": res.notify}
                try:
                    out["reply"] = self.run_coro(res.execute())
                except self.exc.AccessDenied as e:
                    return {"result": "deny", "reason": str(e), "notify": e.notify}
                return out
            if isinstance(res, P.AskResolution):
                return {"result": "ask", "targets": sorted(str(t) for t in res.targets_for_ask),
                        "default": None if res.default_target is None else str(res.default_target),
                        "user": res.user or "DEFAULT", "autostart": res.autostart,
                        "rule": rule, "notify": res.notify}
            return {"result": "crash", "reason": "unknown resolution %r" % res}
        except self.exc.AccessDenied as e:
            # qrexec-policy-exec does not notify a PolicySyntaxError
            return {"result": "deny", "reason": str(e),
                    "notify": e.notify and not isinstance(e, self.exc.PolicySyntaxError)}
        except RecursionError as e:
            return {"result": "crash", "reason": "RecursionError: %s" % e}
        except Exception as e:  # pylint: disable=broad-except
            tb = traceback.extract_tb(e.__traceback__)
            where = " / ".join("%s:%s" % (f.name, f.lineno) for f in tb[-3:])
            return {"result": "crash", "reason": "%s: %s (at %s)" % (type(e).__name__, e, where),
                    "exc": type(e).__name__, "where": tb[-1].name if tb else "?"}


def run_ours(explain, dirs, legacy, sifile, reqs):
    lines = []
    for svc, arg, src, tgt, rsrc in reqs:
        fields = [src, tgt, svc + arg]
        if rsrc:
            fields.append(rsrc)
        lines.append("\t".join(fields))
    cmd = [explain, "--batch", "-", "--compat-path", legacy, "--system-info", sifile]
    for d in dirs:
        cmd += ["--path", d]
    p = subprocess.run(cmd,
                       input="\n".join(lines) + "\n", capture_output=True, text=True,
                       check=False)
    out = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    if p.returncode != 0 or len(out) != len(reqs):
        raise SystemExit("qrexec-policy-explain --batch failed (rc %d): %s"
                         % (p.returncode, p.stderr[-2000:]))
    return out


def run_ours_single(explain, dirs, legacy, sifile, req):
    """The normal interface: qrexec-policy-explain --json SRC TGT SVC+ARG
    (which evaluates with the per-rule trace, not the service index)."""
    svc, arg, src, tgt, _ = req
    cmd = [explain, "--json", "--compat-path", legacy, "--system-info", sifile]
    for d in dirs:
        cmd += ["--path", d]
    p = subprocess.run(cmd + ["--", src, tgt, svc + arg], capture_output=True, text=True,
                       check=False)
    return json.loads(p.stdout)


# ---------------------------------------------------------------------------
# comparison

def rule_of_deny(reason):
    if reason and reason.startswith("denied by policy "):
        return reason[len("denied by policy "):]
    return None


def ours_rule(o):
    r = o.get("rule")
    if r and r.endswith(":implicit"):
        r = r[:-len(":implicit")] + ":None"
    return r


def compare(up, ours, ctx):
    """Returns None when equal, else (class, description). class "real"
    marks a real discrepancy."""
    ur, orr = up["result"], ours["result"]
    oreason = ours.get("reason") or ""
    ureason = up.get("reason") or ""
    si = ctx["si"]["domains"]
    svc, arg, src, tgt, rsrc = ctx["req"]

    # ---- load
    if ur in ("error", "loadcrash") or orr == "error":
        if orr == "error" and ur in ("error", "loadcrash"):
            if ur == "loadcrash" and ("circular include" in oreason
                                      or "nested deeper" in oreason):
                return ("doc: include cycle/depth is a load error", None)
            # both fail to load (upstream maybe with an exception such as
            # UnicodeDecodeError, raised before the line ours stops at)
            return None
        if orr == "error":
            if "circular include" in oreason or "nested deeper" in oreason:
                return ("doc: include cycle/depth is a load error", None)
            if ("non-ASCII" in oreason or "control character" in oreason
                    or "invalid UTF-8" in oreason):
                return ("doc: non-ASCII/control characters are a load error", None)
            return ("real", "ours fails to load, upstream loads: " + oreason)
        if ur == "error" and "failed to load" in ureason and "No such file" in ureason:
            return ("doc: missing legacy/policy dir counts as empty", None)
        return ("real", "upstream fails to load (%s), ours loads" % ureason)

    # ---- upstream crashed while evaluating
    if ur == "crash":
        if orr == "deny":
            if "cannot be compared" in oreason:
                return ("doc: upstream crashes (%s) matching @dispvm:X or @dispvm:@tag:X "
                        "against @dispvm with no usable default_dispvm, ours denies"
                        % up.get("exc", "?"), None)
            if "the default_dispvm" in oreason and "names no qube" in oreason:
                return ("doc: upstream crashes (KeyError) on an ask candidate @dispvm whose "
                        "default_dispvm names no qube, ours denies", None)
            if "names no qube" in oreason:
                return ("doc: @dispvm:X ask candidate of a missing X denies", None)
            if "is not in the system info" in oreason:
                return ("doc: ask with an unknown source denies", None)
            return ("doc: upstream crashes (%s in %s), ours denies"
                    % (up.get("exc", "?"), up.get("where", "?")), None)
        return ("real", "upstream crashed (%s), ours %s" % (ureason, orr))

    if ur != orr:
        if ur == "allow" and orr == "deny" and "loopback" in oreason:
            s = si.get(ctx["src_eff"])
            t = si.get(up["target"])
            if s is not None and s is t:
                return ("doc: loopback refused for the uuid: form too", None)
        return ("real", "verdict %s vs ours %s" % (ur, orr))

    if ur == "deny":
        ru, ro = rule_of_deny(ureason), rule_of_deny(oreason)
        if ru != ro and (ru or ro):
            return ("real", "deny from different rules: %s vs ours %s" % (ru, ro))
        if up["notify"] != ours["notify"]:
            return ("real", "deny notify %r vs ours %r (%s / %s)" % (
                up["notify"], ours["notify"], ureason, oreason))
        return None

    diffs = []
    if up["notify"] != ours["notify"]:
        diffs.append("notify %r vs ours %r" % (up["notify"], ours["notify"]))
    if up["rule"] != ours_rule(ours):
        diffs.append("rule %s vs ours %s" % (up["rule"], ours_rule(ours)))
    if up["user"] != ours["user"]:
        diffs.append("user %r vs ours %r" % (up["user"], ours["user"]))
    if up["autostart"] != ours["autostart"]:
        diffs.append("autostart %r vs ours %r" % (up["autostart"], ours["autostart"]))
    if ur == "allow":
        if up["target"] != ours["target"]:
            diffs.append("target %r vs ours %r" % (up["target"], ours["target"]))
        if up["reply"] != ours.get("reply"):
            diffs.append("reply %r vs ours %r" % (up["reply"], ours.get("reply")))
    else:
        if up["targets"] != ours["targets_for_ask"]:
            diffs.append("targets %r vs ours %r" % (up["targets"], ours["targets_for_ask"]))
        if up["default"] != ours["default_target"]:
            diffs.append("default %r vs ours %r" % (up["default"], ours["default_target"]))
    if diffs:
        return ("real", "; ".join(diffs))
    return None


# ---------------------------------------------------------------------------

def features(u, tree):
    """What an upstream outcome exercised (for --verbose)."""
    r = u["result"]
    out = []
    if r == "deny":
        rule = rule_of_deny(u.get("reason")) or ""
        if rule.startswith(tree.legacy + "/"):
            out.append("deny by a !compat-4.0 rule" + (" (implicit)" if rule.endswith(":None")
                                                       else ""))
        elif "/include/" in rule or "/incdir/" in rule:
            out.append("deny by an included rule")
    if r not in ("allow", "ask"):
        return out
    rule = u.get("rule") or ""
    if rule.startswith(tree.legacy + "/"):
        out.append(r + " by a !compat-4.0 rule" + (" (implicit)" if rule.endswith(":None")
                                                   else ""))
    elif "/include/svc" in rule:
        out.append(r + " by an !include-service rule")
    elif "/include/inc" in rule:
        out.append(r + " by an !include rule")
    elif "/incdir/" in rule:
        out.append(r + " by an !include-dir rule")
    if u["user"] != "DEFAULT":
        out.append(r + " with user=")
    if not u["autostart"]:
        out.append(r + " with autostart=no")
    if r == "allow":
        t = u["target"]
        reply = u.get("reply") or ""
        if t.startswith("@dispvm:"):
            out.append("allow to @dispvm:X" + (" (uuid form)" if "@dispvm:uuid:" in t else ""))
        elif t.startswith("uuid:"):
            out.append("allow to uuid:U")
        elif t == "dom0":
            out.append("allow to dom0")
        if "\nservice=" in reply:
            out.append("allow to a RemoteVM (relay reply)")
        if "policy_source=" in reply:
            out.append("allow with requested_source (policy_source=)")
        if "requested_target=@default" in reply:
            out.append("allow of @default redirected")
    else:
        out.append("ask with %s candidates" % ("1" if len(u["targets"]) == 1 else "2+"))
        if u["default"] is not None:
            out.append("ask with a default target")
        if any(t.startswith("@dispvm:") for t in u["targets"]):
            out.append("ask offering @dispvm:X")
        if "dom0" in u["targets"]:
            out.append("ask offering dom0")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("upstream", help="upstream qubes-core-qrexec checkout")
    ap.add_argument("build", help="our meson build directory")
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--requests", type=int, default=40, help="requests per policy")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", type=int, default=None, help="run only policy number I")
    ap.add_argument("--dump", type=int, default=5, help="real discrepancies to dump")
    ap.add_argument("--dangling", action="store_true",
                    help="also generate dangling default_dispvm/relayvm names")
    ap.add_argument("--verbose", action="store_true", help="also show what the outcomes exercised, and upstream's deny and crash reasons")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()

    explain = os.path.join(a.build, "policy", "qrexec-policy-explain")
    if not os.access(explain, os.X_OK):
        raise SystemExit("%s: not found (build first)" % explain)
    logging.disable(logging.CRITICAL)
    sys.setrecursionlimit(1000)

    tmp = os.path.realpath(tempfile.mkdtemp(prefix="policy-diff-"))
    stub = os.path.join(tmp, "stubs")
    os.makedirs(stub)
    up = Upstream(os.path.abspath(a.upstream), stub)

    stats = collections.Counter()
    classes = collections.Counter()
    results = collections.Counter()
    reasons = collections.Counter()
    feats = collections.Counter()
    msgdiffs = []
    dumps = []
    real = 0
    try:
        rng_ids = [a.only] if a.only is not None else range(a.policies)
        for i in rng_ids:
            rng = random.Random("%d/%d" % (a.seed, i))
            domains = gen_domains(rng, a.dangling)
            gen = Gen(rng, domains)
            root = os.path.join(tmp, "p%d" % i)
            os.makedirs(root)
            p_err = 0.0 if rng.random() < 0.7 else rng.choice([0.02, 0.05, 0.1])
            tree = PolicyTree(gen, root, p_err).build()
            sifile = os.path.join(root, "system-info.json")
            with open(sifile, "w") as f:
                json.dump({"domains": domains}, f)
            si = upstream_system_info(domains)
            services = sorted(tree.services)
            reqs = [gen.request(services) for _ in range(a.requests)]

            policy, load_err = up.load(tree.dirs, tree.legacy)
            ours = run_ours(explain, tree.dirs, tree.legacy, sifile, reqs)
            for k in [k for k, r in enumerate(reqs) if not r[4]][:2]:
                single = run_ours_single(explain, tree.dirs, tree.legacy, sifile, reqs[k])
                batch = {f: v for f, v in ours[k].items() if f not in ("reply", "notify")}
                stats["requests also run through explain --json"] += 1
                if single != batch:
                    real += 1
                    if len(dumps) < a.dump:
                        dumps.append((i, reqs[k], "explain --json %s differs from --batch"
                                      % json.dumps(single), {}, ours[k], dict(tree.files)))
            stats["policies"] += 1
            stats["policies that fail to load upstream"] += policy is None
            stats["policies that fail to load ours"] += ours[0]["result"] == "error"
            if (load_err and load_err["result"] == "error" and ours
                    and ours[0]["result"] == "error"):
                stats["policies that fail to load in both"] += 1
                if load_err["reason"] != ours[0]["reason"]:
                    stats["... with a different message"] += 1
                    if a.verbose and len(msgdiffs) < 10:
                        msgdiffs.append((i, load_err["reason"], ours[0]["reason"]))
            for req, o in zip(reqs, ours):
                svc, arg, src, tgt, rsrc = req
                if policy is None:
                    u = load_err
                else:
                    u = up.evaluate(policy, si, svc, arg, src, tgt, rsrc)
                stats["requests"] += 1
                results[(u["result"], o["result"])] += 1
                if a.verbose and u["result"] in ("deny", "error", "crash", "loadcrash"):
                    why = re.sub(r"/\S*|'[^']*'|\S+-vm\S*|uuid:\S+|@dispvm:\S+", "X",
                                 u.get("reason") or "")
                    reasons[u["result"] + ": " + why[:150]] += 1
                ctx = {"si": si, "req": req, "src_eff": rsrc or src}
                if a.verbose:
                    for f in features(u, tree):
                        feats[f] += 1
                c = compare(u, o, ctx)
                if c is None:
                    stats["identical"] += 1
                    continue
                cls, desc = c
                if cls != "real":
                    classes[cls] += 1
                    continue
                real += 1
                if len(dumps) < a.dump:
                    dumps.append((i, req, desc, u, o, dict(tree.files)))
            if not a.keep:
                shutil.rmtree(root)
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print("seed %d: policies %d (fail to load: upstream %d, ours %d)" % (
        a.seed, stats["policies"], stats["policies that fail to load upstream"],
        stats["policies that fail to load ours"]))
    print("requests evaluated: %d (and %d of them also through explain --json: "
          "same as --batch unless listed below)" % (
              stats["requests"], stats["requests also run through explain --json"]))
    print("identical: %d" % stats["identical"])
    print("outcomes (upstream, ours): " + ", ".join(
        "%s/%s %d" % (k[0], k[1], v) for k, v in sorted(results.items())))
    print("documented differences: %d" % sum(classes.values()))
    for k, v in sorted(classes.items()):
        print("  %6d  %s" % (v, k))
    print("real discrepancies: %d" % real)
    if a.verbose:
        print("policies that fail to load in both: %d, with a different message: %d" % (
            stats["policies that fail to load in both"], stats["... with a different message"]))
        for i, u, o in msgdiffs:
            print("  policy %d:\n    upstream: %s\n    ours:     %s" % (i, u, o))
        print("upstream outcomes with:")
        for k, v in sorted(feats.items()):
            print("  %6d  %s" % (v, k))
        print("upstream crash reasons:")
        for k, v in reasons.most_common():
            if "crash:" in k:
                print("  %6d  %s" % (v, k))
        print("upstream deny/error reasons:")
        for k, v in [kv for kv in reasons.most_common() if "crash:" not in kv[0]][:40]:
            print("  %6d  %s" % (v, k))
    for i, req, desc, u, o, files in dumps:
        svc, arg, src, tgt, rsrc = req
        print("\n==== policy %d (--seed %d --only %d): %s%s %s -> %r%s" % (
            i, a.seed, i, svc, arg, src, tgt,
            " (requested_source %s)" % rsrc if rsrc else ""))
        print("  " + desc)
        print("  upstream: " + json.dumps(u, sort_keys=True))
        print("  ours:     " + json.dumps(o, sort_keys=True))
        for name, text in files.items():
            if text is None:
                continue
            print("  --- %s" % name)
            for line in text.splitlines():
                print("  | " + line)
    if a.keep:
        print("kept " + tmp)
    return 1 if real else 0


if __name__ == "__main__":
    sys.exit(main())
