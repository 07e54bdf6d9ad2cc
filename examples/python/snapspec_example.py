#!/usr/bin/env python3
"""A small, independent implementation of IC canister snapshots behind the snapspec protocol.

Written from docs/protocol.md (transport, encodings, the semantics of every call) and
docs/checksum.md (the proposal profile's content checksum), with the Python standard library
only. It keeps a whole subnet in memory: canisters with sparse heaps and stable memories,
chunk stores, histories, and their snapshots.

Run it under the harness:

    snapspec check --sut "python3 examples/python/snapspec_example.py"

With `--own-ids` it hands out canister ids of its own, counting down from index 1,000,000 (so
snapshot ids differ too, and ids sort in the reverse order of creation), and does not declare
`model_ids`: the harness then translates ids both ways. With `--own-clock` its clock also runs
ahead of the model's, by 7,777 ns before every call, and it does not declare
`deterministic_time`: the harness then checks timestamps by relation only.

It reads one JSON request per line on stdin and writes one JSON answer per line on stdout.
Diagnostics go to stderr. It never exits on bad input: anything it cannot understand gets an
`error` answer.
"""

import base64
import bisect
import hashlib
import json
import string
import sys
import traceback
import zlib

PROTOCOL_VERSION = 1
IMPLEMENTATION = "snapspec_example.py 1.0 (independent Python implementation)"
LINE_BYTES_MAX = 8 << 20

PROFILES = ["ic", "ic-2026-08", "ic-0.54", "ic-0.50", "ic-0.35", "ic-2024", "proposal-2024"]
# With `--own-ids`: canister indices count down from here, and `model_ids` is not declared.
OWN_IDS_FIRST_INDEX = 1_000_000
# With `--own-clock`: how far the clock runs ahead before every call (`deterministic_time` is
# then not declared).
OWN_CLOCK_DRIFT_NS = 7_777
CAPABILITIES = [
    "execution",
    "checkpoint",
    "canister_info",
    "top_up",
    "deterministic_time",
    "model_ids",
    "model_resources",
    "any_module",
    "canister_callers",
]

U64_MAX = (1 << 64) - 1
U128_MAX = (1 << 128) - 1
WASM_PAGE_BYTES = 65536
OS_PAGE_BYTES = 4096
OS_PAGES_PER_WASM_PAGE = WASM_PAGE_BYTES // OS_PAGE_BYTES
GLOBAL_BYTES = 32  # the replica's size_of::<Global>()
HIDDEN_GLOBALS = 1  # the replica's instruction counter
CHUNK_BYTES = 1 << 20  # every stored chunk is charged 1 MiB
CERTIFIED_DATA_MAX = 32
HISTORY_MAX = 20
CONTROLLERS_MAX = 10
VIEWERS_MAX = 10
LABEL_BYTES_MAX = 256
READ_BYTES_MAX = 2_000_000
GLOBALS_MAX = 1000
MODULE_BYTES_MAX = 100 << 20
PRINCIPAL_BYTES_MAX = 29
SNAPSHOT_ID_BYTES_MIN = 8
SNAPSHOT_ID_BYTES_MAX = 8 + PRINCIPAL_BYTES_MAX


# --------------------------------------------------------------------------------------------
# Outcomes


class Invalid(Exception):
    """The request cannot be understood: answered with `error`."""


class Rejected(Exception):
    """The call is rejected with an IC error code and message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------------------------
# Principals, canister ids, snapshot ids


def principal_text(raw):
    """Textual form: base32(crc32be ‖ bytes), lowercase, no padding, dashes every 5 chars."""
    body = zlib.crc32(raw).to_bytes(4, "big") + raw
    encoded = base64.b32encode(body).decode("ascii").rstrip("=").lower()
    return "-".join(encoded[i:i + 5] for i in range(0, len(encoded), 5))


_principal_cache = {}


def principal_bytes(text):
    """Parses a textual principal (case-insensitive, canonical grouping, valid checksum)."""
    if not isinstance(text, str):
        raise Invalid("a principal must be a string")
    cached = _principal_cache.get(text)
    if cached is not None:
        return cached
    compact = text.replace("-", "").upper()
    try:
        decoded = base64.b32decode(compact + "=" * (-len(compact) % 8))
    except Exception:
        raise Invalid("invalid principal %r: not base32" % text) from None
    if len(decoded) < 4:
        raise Invalid("invalid principal %r: too short" % text)
    raw = decoded[4:]
    if len(raw) > PRINCIPAL_BYTES_MAX:
        raise Invalid("invalid principal %r: too long" % text)
    if zlib.crc32(raw).to_bytes(4, "big") != decoded[:4]:
        raise Invalid("invalid principal %r: checksum mismatch" % text)
    if principal_text(raw) != text.lower():
        raise Invalid("invalid principal %r: not in canonical form" % text)
    if len(_principal_cache) < 100_000:
        _principal_cache[text] = raw
    return raw


def principal_order(raw):
    """Principals (and snapshot ids) order by length first, then bytes."""
    return (len(raw), raw)


def is_opaque(raw):
    """Canister ids belong to the opaque class: last byte 0x01."""
    return len(raw) > 0 and raw[-1] == 0x01


def canister_id_for_index(index):
    return index.to_bytes(8, "big") + b"\x01\x01"


def snapshot_id_bytes(owner, local):
    return local.to_bytes(8, "big") + owner


def snapshot_id_text(owner, local):
    """How error messages render a snapshot id."""
    return "%s-%d" % (principal_text(owner), local)


def decode_snapshot_id(raw):
    """(owner, local) from snapshot id bytes, or the replica's IC0408."""
    if len(raw) < SNAPSHOT_ID_BYTES_MIN:
        raise Rejected(408, 'Payload deserialization error: InvalidLength("Invalid snapshot ID length: '
                       'provided %d, minumum length expected %d.")' % (len(raw), SNAPSHOT_ID_BYTES_MAX))
    if len(raw) > SNAPSHOT_ID_BYTES_MAX:
        raise Rejected(408, 'Payload deserialization error: InvalidLength("Invalid snapshot ID length: '
                       'provided %d, maximum length expected %d.")' % (len(raw), SNAPSHOT_ID_BYTES_MAX))
    return raw[8:], int.from_bytes(raw[:8], "big")


def sha256(data):
    return hashlib.sha256(data).digest()


# --------------------------------------------------------------------------------------------
# Reading arguments (all validation raises Invalid)


def field(obj, name, optional=False):
    if not isinstance(obj, dict):
        raise Invalid("expected an object")
    if name not in obj or obj[name] is None:
        if optional:
            return None
        raise Invalid("missing field `%s`" % name)
    return obj[name]


def as_uint(value, name, maximum=U64_MAX):
    if type(value) is not int or value < 0 or value > maximum:
        raise Invalid("`%s` must be an unsigned integer up to %d" % (name, maximum))
    return value


def as_bool(value, name):
    if type(value) is not bool:
        raise Invalid("`%s` must be a boolean" % name)
    return value


def as_blob(value, name):
    # bytes.fromhex alone would also accept spaces between bytes.
    if not isinstance(value, str) or len(value) % 2 or value.strip(string.hexdigits):
        raise Invalid("`%s` must be an even-length hex string" % name)
    return bytes.fromhex(value)


def as_principals(value, name):
    if not isinstance(value, list):
        raise Invalid("`%s` must be a list of principals" % name)
    return [principal_bytes(p) for p in value]


GLOBAL_TYPES = {
    # type: (minimum, maximum, JSON encoding is a string)
    "i32": (-(1 << 31), (1 << 31) - 1, False),
    "i64": (-(1 << 63), (1 << 63) - 1, False),
    "f32": (0, (1 << 32) - 1, False),
    "f64": (0, U64_MAX, False),
    "v128": (0, U128_MAX, True),
}


def as_global(value):
    """A global as (type, int)."""
    kind = field(value, "type")
    if not isinstance(kind, str) or kind not in GLOBAL_TYPES:
        raise Invalid("unknown global type %r" % (kind,))
    low, high, textual = GLOBAL_TYPES[kind]
    raw = field(value, "value")
    if textual:
        if not isinstance(raw, str) or not raw.isdigit():
            raise Invalid("a %s global's value is a decimal string" % kind)
        number = int(raw)
    else:
        if type(raw) is not int:
            raise Invalid("a %s global's value is an integer" % kind)
        number = raw
    if not low <= number <= high:
        raise Invalid("%s global value out of range" % kind)
    return (kind, number)


def global_json(item):
    kind, number = item
    return {"type": kind, "value": str(number) if GLOBAL_TYPES[kind][2] else number}


def as_timer(value):
    if value == "inactive":
        return None
    if isinstance(value, dict) and list(value) == ["active"]:
        return as_uint(value["active"], "timer")
    raise Invalid('a timer is "inactive" or {"active": <u64>}')


def timer_json(timer):
    return "inactive" if timer is None else {"active": timer}


def as_visibility(value):
    """("controllers",) | ("public",) | ("allowed_viewers", [principals])."""
    if value in ("controllers", "public"):
        return (value,)
    if isinstance(value, dict) and list(value) == ["allowed_viewers"]:
        return ("allowed_viewers", as_principals(value["allowed_viewers"], "allowed_viewers"))
    raise Invalid("invalid visibility")


def visible(setting, caller, always):
    """Whether a visibility setting lets `caller` read; `always` for those it cannot shut out."""
    return always or setting[0] == "public" or (setting[0] == "allowed_viewers" and caller in setting[1])


def visibility_json(visibility):
    if visibility[0] == "allowed_viewers":
        return {"allowed_viewers": [principal_text(p) for p in visibility[1]]}
    return visibility[0]


# --------------------------------------------------------------------------------------------
# Sparse memory and the content checksum (docs/checksum.md)


def tagged(tag, *parts):
    digest = hashlib.sha256(tag.encode("ascii") + b"\x00")
    for part in parts:
        digest.update(part)
    return digest.digest()


ZERO_HASHES = [tagged("snapspec/v1/page", bytes(OS_PAGE_BYTES))]


def zero_hash(height):
    while len(ZERO_HASHES) <= height:
        last = ZERO_HASHES[-1]
        ZERO_HASHES.append(tagged("snapspec/v1/node", last, last))
    return ZERO_HASHES[height]


class Memory:
    """A linear memory of whole Wasm pages; only pages ever written are stored (as bytes)."""

    __slots__ = ("wasm_pages", "pages", "unflushed")

    def __init__(self):
        self.wasm_pages = 0
        self.pages = {}  # OS page index -> 4096 immutable bytes
        self.unflushed = False  # written since the last checkpoint

    def copy(self):
        other = Memory()
        other.wasm_pages = self.wasm_pages
        other.pages = dict(self.pages)  # pages are immutable: sharing them is safe
        other.unflushed = self.unflushed
        return other

    def size(self):
        return self.wasm_pages * WASM_PAGE_BYTES

    def write(self, offset, data):
        position = 0
        while position < len(data):
            index, start = divmod(offset + position, OS_PAGE_BYTES)
            take = min(OS_PAGE_BYTES - start, len(data) - position)
            page = bytearray(self.pages.get(index, bytes(OS_PAGE_BYTES)))
            page[start:start + take] = data[position:position + take]
            self.pages[index] = bytes(page)
            position += take
        if data:
            self.unflushed = True

    def read(self, offset, length):
        out = bytearray()
        while len(out) < length:
            index, start = divmod(offset + len(out), OS_PAGE_BYTES)
            take = min(OS_PAGE_BYTES - start, length - len(out))
            page = self.pages.get(index)
            out += page[start:start + take] if page is not None else bytes(take)
        return bytes(out)

    def component(self):
        pages = self.wasm_pages * OS_PAGES_PER_WASM_PAGE
        height = (pages - 1).bit_length() if pages > 1 else 0
        indices = sorted(self.pages)

        def subtree(level, low, chosen):
            if not chosen:
                return zero_hash(level)
            if level == 0:
                return tagged("snapspec/v1/page", self.pages[chosen[0]])
            middle = low + (1 << (level - 1))
            split = bisect.bisect_left(chosen, middle)
            return tagged("snapspec/v1/node", subtree(level - 1, low, chosen[:split]), subtree(level - 1, middle, chosen[split:]))

        root = subtree(height, 0, indices)
        return tagged("snapspec/v1/memory", self.size().to_bytes(8, "big"), root)


GLOBAL_CODES = {"i32": (0x7F, 4), "i64": (0x7E, 8), "f32": (0x7D, 4), "f64": (0x7C, 8), "v128": (0x7B, 16)}


def content_checksum(code, chunk_hashes, certified_data):
    if code is None:
        module = tagged("snapspec/v1/module", b"\x00")
        globals_ = tagged("snapspec/v1/globals", (0).to_bytes(4, "big"))
        empty = Memory().component()
        heap, stable = empty, empty
    else:
        module = tagged("snapspec/v1/module", b"\x01", code.module_hash)
        encoded = len(code.globals).to_bytes(4, "big")
        for kind, number in code.globals:
            type_code, width = GLOBAL_CODES[kind]
            encoded += bytes([type_code]) + (number % (1 << (8 * width))).to_bytes(width, "little")
        globals_ = tagged("snapspec/v1/globals", encoded)
        heap, stable = code.heap.component(), code.stable.component()
    hashes = sorted(set(chunk_hashes))
    chunks = tagged("snapspec/v1/chunks", len(hashes).to_bytes(4, "big"), *hashes)
    certified = tagged("snapspec/v1/certified-data", bytes([len(certified_data)]), certified_data)
    return tagged("snapspec/v1/snapshot", module, globals_, heap, stable, chunks, certified)


# --------------------------------------------------------------------------------------------
# Canisters and snapshots


class Code:
    """What install_code puts in a canister: module, globals, heap, stable memory."""

    __slots__ = ("module", "module_hash", "globals", "heap", "stable")

    def __init__(self, module, globals_, heap, stable):
        self.module = module
        self.module_hash = sha256(module)
        self.globals = list(globals_)
        self.heap = heap
        self.stable = stable

    def copy(self):
        other = Code.__new__(Code)
        other.module = self.module
        other.module_hash = self.module_hash
        other.globals = list(self.globals)
        other.heap = self.heap.copy()
        other.stable = self.stable.copy()
        return other

    def size(self):
        return (self.heap.size() + self.stable.size() + GLOBAL_BYTES * (len(self.globals) + HIDDEN_GLOBALS)
                + len(self.module))

    def unflushed(self):
        return self.heap.unflushed or self.stable.unflushed


def code_size(code):
    return 0 if code is None else code.size()


class Snapshot:
    __slots__ = ("owner", "local", "taken_at", "canister_version", "code", "chunks", "certified_data", "timer",
                 "size", "label")

    def id_bytes(self):
        return snapshot_id_bytes(self.owner, self.local)


class Canister:
    def __init__(self, canister_id, controllers, cycles):
        self.id = canister_id
        self.controllers = set(controllers)
        self.status = "running"
        self.code = None
        self.certified_data = b""
        self.chunks = {}  # sha256 -> chunk
        self.timer = None  # None = inactive, else the time it fires
        self.version = 0
        self.history = []  # the most recent changes, oldest first
        self.changes_total = 0
        self.visibility = ("controllers",)
        self.status_visibility = ("controllers",)
        self.cycles = cycles
        self.next_local = 0
        self.snapshots = {}  # local id -> Snapshot
        self.snapshots_size = 0

    def chunk_store_size(self):
        return CHUNK_BYTES * len(self.chunks)

    def usage(self):
        """Memory usage as resource checks count it (certified data excluded)."""
        return code_size(self.code) + self.chunk_store_size() + self.snapshots_size

    def snapshot_size(self):
        return code_size(self.code) + self.chunk_store_size() + len(self.certified_data)

    def sorted_controllers(self):
        return sorted(self.controllers, key=principal_order)

    def record(self, now, origin, details):
        self.history.append({"timestamp_ns": now, "canister_version": self.version, "origin": origin, "details": details})
        if len(self.history) > HISTORY_MAX:
            del self.history[0]
        self.changes_total += 1


def origin_json(caller, sender_canister_version):
    if is_opaque(caller):
        return {"from_canister": {"canister_id": principal_text(caller), "canister_version": sender_canister_version}}
    return {"from_user": {"user_id": principal_text(caller)}}


# --------------------------------------------------------------------------------------------
# Profiles


ENUM_KNOBS = {
    "api": ("management", "proposal"),
    "replacement": ("explicit", "implicit"),
    "check_order": ("replica", "spec"),
    "load_history": ("basic", "with_source", "with_source_and_from"),
    "snapshot_storage": ("per_canister", "subnet_wide"),
}
BOOL_KNOBS = ("visibility", "status_visibility", "cross_canister_load", "uninstall_on_take", "labels",
              "checksum_in_listing")
NUMBER_KNOBS = ("snapshots_per_canister_max", "chunk_store_chunks_max", "wasm_memory_pages_max", "stable_memory_pages_max",
                "genesis_time_ns")
RESOURCE_KNOBS = ("subnet_memory_capacity_bytes", "freezing_threshold_cycles_per_byte", "snapshot_fee_base_cycles",
                  "snapshot_fee_cycles_per_byte")

# Knobs a configuration may leave out: older harnesses leave out `snapshot_storage` (the `ic`
# profile's value), and the harness sends `status_visibility` only when it is true (§5).
KNOB_DEFAULTS = {"snapshot_storage": "per_canister", "status_visibility": False}

IC_PROFILE = {
    "name": "ic", "spec_version": "0.66.0", "api": "management", "snapshots_per_canister_max": 10,
    "replacement": "explicit", "visibility": True, "cross_canister_load": True, "uninstall_on_take": True,
    "labels": False, "checksum_in_listing": False, "check_order": "replica", "load_history": "with_source_and_from",
    "snapshot_storage": "per_canister", "chunk_store_chunks_max": 100, "wasm_memory_pages_max": 65536,
    "stable_memory_pages_max": 8192000,
    "resources": {"subnet_memory_capacity_bytes": 2 << 40, "freezing_threshold_cycles_per_byte": 10,
                  "snapshot_fee_base_cycles": 1_000_000, "snapshot_fee_cycles_per_byte": 1},
    "genesis_time_ns": 1_700_000_000_000_000_000,
}


class Profile:
    """The knobs of a `reset` config, validated."""

    def __init__(self, config):
        if not isinstance(config, dict):
            raise Invalid("config must be an object")

        def knob(name):
            if name in config:
                return config[name]
            if name in KNOB_DEFAULTS:
                return KNOB_DEFAULTS[name]
            raise Invalid("config lacks `%s`" % name)

        for name, allowed in ENUM_KNOBS.items():
            value = knob(name)
            if value not in allowed:
                raise Invalid("config `%s` must be one of %s" % (name, ", ".join(allowed)))
            setattr(self, name, value)
        for name in BOOL_KNOBS:
            setattr(self, name, as_bool(knob(name), name))
        for name in NUMBER_KNOBS:
            setattr(self, name, as_uint(knob(name), name))
        resources = knob("resources")
        for name in RESOURCE_KNOBS:
            setattr(self, name, as_uint(field(resources, name), name))
        self.name = config.get("name", "")


# --------------------------------------------------------------------------------------------
# The subnet


SNAPSHOT_METHODS = {
    "take_canister_snapshot": "management", "load_canister_snapshot": "management",
    "list_canister_snapshots": "management", "delete_canister_snapshot": "management",
    "take_snapshot": "proposal", "load_snapshot": "proposal", "list_snapshots": "proposal", "delete_snapshot": "proposal",
}


# Controller-only management methods: in replica profiles a user's call to one of them passes
# the ingress filter before it runs (protocol.md §6, "The ingress filter").
# `list_canister_snapshots` only in profiles without `visibility`.
INGRESS_FILTERED = {
    "take_canister_snapshot", "load_canister_snapshot", "delete_canister_snapshot", "list_canister_snapshots",
    "install_code", "uninstall_code", "start_canister", "stop_canister", "update_settings", "delete_canister",
    "upload_chunk", "clear_chunk_store", "canister_status",
}


# The blob arguments of the filtered methods, decoded before the filter.
BLOB_FIELDS = ("snapshot_id", "replace_snapshot", "wasm_module", "chunk")


class Subnet:
    def __init__(self, profile, first_index=0, index_step=1, drift_ns=0):
        self.profile = profile
        self.now = profile.genesis_time_ns
        self.drift_ns = drift_ns
        self.canisters = {}  # canister id bytes -> Canister
        self.next_index = first_index
        self.index_step = index_step
        self.handlers = {
            "take_canister_snapshot": self.take_canister_snapshot,
            "load_canister_snapshot": self.load_canister_snapshot,
            "list_canister_snapshots": self.list_snapshots,
            "delete_canister_snapshot": self.delete_canister_snapshot,
            "take_snapshot": self.take_snapshot,
            "load_snapshot": self.load_snapshot,
            "list_snapshots": self.list_snapshots,
            "delete_snapshot": self.delete_snapshot,
            "create_canister": self.create_canister,
            "install_code": self.install_code,
            "uninstall_code": self.uninstall_code,
            "start_canister": self.start_canister,
            "stop_canister": self.stop_canister,
            "update_settings": self.update_settings,
            "delete_canister": self.delete_canister,
            "upload_chunk": self.upload_chunk,
            "clear_chunk_store": self.clear_chunk_store,
            "canister_status": self.canister_status,
            "canister_info": self.canister_info,
            "top_up": self.top_up,
            "write_wasm_memory": lambda caller, args: self.write_memory(args, "heap"),
            "write_stable_memory": lambda caller, args: self.write_memory(args, "stable"),
            "read_wasm_memory": lambda caller, args: self.read_memory(args, "heap"),
            "read_stable_memory": lambda caller, args: self.read_memory(args, "stable"),
            "set_global": self.set_global,
            "read_globals": self.read_globals,
            "set_certified_data": self.set_certified_data,
            "set_timer": self.set_timer,
            "advance_time": self.advance_time,
            "checkpoint": self.checkpoint,
        }

    # ---- dispatch ---------------------------------------------------------------------------

    def call(self, caller, call):
        """Runs one call: returns the reply object or raises Rejected / Invalid."""
        method = field(call, "method")
        handler = self.handlers.get(method) if isinstance(method, str) else None
        if handler is None:
            raise Invalid("unknown method %r" % (method,))
        self.now = min(U64_MAX, self.now + self.drift_ns)
        api = SNAPSHOT_METHODS.get(method)
        if api is not None and api != self.profile.api:
            raise Rejected(536, "Management canister has no method '%s'" % method)  # checked before anything else
        if method == "update_settings":
            self.visibilities(field(call, "settings"))  # bounded while decoding, before the filter (§6.4)
        self.ingress_filter(caller, method, call)
        return handler(caller, call)

    def visibilities(self, settings):
        """The snapshot and status visibility `settings` sets, each `None` if absent or if the profile
        lacks the setting (the field is then dropped unchecked). The candid type bounds viewer lists:
        a longer one fails decoding (408)."""
        found = []
        for name, exists in (("snapshot_visibility", self.profile.visibility),
                             ("status_visibility", self.profile.status_visibility)):
            shown = field(settings, name, optional=True) if exists else None
            setting = None if shown is None else as_visibility(shown)
            if setting is not None and setting[0] == "allowed_viewers" and len(setting[1]) > VIEWERS_MAX:
                raise Rejected(408, "Error decoding candid: Deserialize error: The number of elements exceeds maximum "
                               "allowed %d" % VIEWERS_MAX)
            found.append(setting)
        return found

    def ingress_filter(self, caller, method, call):
        if self.profile.check_order != "replica" or is_opaque(caller) or method not in INGRESS_FILTERED:
            return
        if method == "list_canister_snapshots" and self.profile.visibility:
            return
        # A request that cannot be understood is an `error` whatever the filter would say.
        for name in BLOB_FIELDS:
            if call.get(name) is not None:
                as_blob(call[name], name)
        canister_id = principal_bytes(field(call, "canister_id"))
        canister = self.canisters.get(canister_id)
        if canister is None:
            raise Rejected(301, "Canister %s not found" % principal_text(canister_id))  # no final dot here
        if method == "canister_status" and self.profile.status_visibility:
            return  # the filter applies the setting as the method does (§6.11), with the same answer
        if caller not in canister.controllers:
            raise Rejected(512, "Only controllers of canister %s can call ic00 method %s" % (principal_text(canister_id), method))

    # ---- shared checks ----------------------------------------------------------------------

    def existing(self, canister_id):
        canister = self.canisters.get(canister_id)
        if canister is None:
            raise Rejected(301, "Canister %s not found." % principal_text(canister_id))
        return canister

    @staticmethod
    def not_a_controller(canister, caller):
        listed = " ".join(principal_text(p) for p in canister.sorted_controllers())
        return Rejected(512, "Only the controllers of the canister %s can control it.\nCanister's controllers: %s\n"
                        "Sender's ID: %s" % (principal_text(canister.id), listed, principal_text(caller)))

    def controlled(self, caller, canister_id):
        canister = self.existing(canister_id)
        if caller not in canister.controllers:
            raise self.not_a_controller(canister, caller)
        return canister

    def controlled_or_self(self, caller, canister_id):
        canister = self.existing(canister_id)
        if caller not in canister.controllers and caller != canister.id:
            raise self.not_a_controller(canister, caller)
        return canister

    def subnet_usage(self):
        return sum(c.usage() for c in self.canisters.values())

    def fee(self, size):
        return self.profile.snapshot_fee_base_cycles + size * self.profile.snapshot_fee_cycles_per_byte

    def check_resources(self, canister, new_usage, fee=None, prepaid=0):
        """Subnet memory, then freezing threshold, then (take and load) paying the fee; `prepaid`
        cycles were charged earlier in the same call (load's baseline)."""
        allocated = max(0, new_usage - canister.usage())
        available = max(0, self.profile.subnet_memory_capacity_bytes - self.subnet_usage())
        if allocated > available:
            raise Rejected(101, "Canister requested %d bytes of memory but only %d bytes are available in the subnet."
                           % (allocated, available))
        threshold = new_usage * self.profile.freezing_threshold_cycles_per_byte
        balance = max(0, canister.cycles - prepaid)
        if balance < threshold:
            raise Rejected(532, "Canister cannot grow memory by %d bytes due to insufficient cycles. At least %d "
                           "additional cycles are required." % (allocated, threshold - balance))
        if fee is not None and balance < threshold + fee:
            self.out_of_cycles(canister, threshold + fee - balance)

    @staticmethod
    def out_of_cycles(canister, missing):
        raise Rejected(207, "Canister snapshotting failed with: `Canister %s is out of cycles: please top up the "
                       "canister with at least %d additional cycles`" % (principal_text(canister.id), missing))

    def executing(self, canister_id):
        canister = self.existing(canister_id)
        text = principal_text(canister_id)
        if canister.code is None:
            raise Rejected(537, "Error from Canister %s: Attempted to execute a message, but the canister contains no "
                           "Wasm module.." % text)
        if canister.status == "stopping":
            raise Rejected(509, "Canister %s is stopping" % text)
        if canister.status == "stopped":
            raise Rejected(508, "Canister %s is stopped" % text)
        return canister

    @staticmethod
    def trap(canister_id, what):
        return Rejected(502, "Error from Canister %s: Canister trapped: %s." % (principal_text(canister_id), what))

    def find_snapshot(self, owner, local):
        holder = self.canisters.get(owner)
        return None if holder is None else holder.snapshots.get(local)

    # ---- snapshot methods -------------------------------------------------------------------

    def take_canister_snapshot(self, caller, args):
        replace = field(args, "replace_snapshot", optional=True)
        uninstall = field(args, "uninstall_code", optional=True)
        version = field(args, "sender_canister_version", optional=True)
        return self.take(caller, principal_bytes(field(args, "canister_id")),
                         replace=None if replace is None else as_blob(replace, "replace_snapshot"),
                         uninstall=False if uninstall is None else as_bool(uninstall, "uninstall_code"),
                         sender_version=None if version is None else as_uint(version, "sender_canister_version"),
                         label=None, id_only=False)

    def take_snapshot(self, caller, args):
        label = field(args, "label", optional=True)
        if label is not None and not isinstance(label, str):
            raise Invalid("`label` must be a string")
        return self.take(caller, principal_bytes(field(args, "canister_id")), replace=None, uninstall=False,
                         sender_version=None, label=label, id_only=True)

    def take(self, caller, canister_id, replace, uninstall, sender_version, label, id_only):
        profile = self.profile
        replace_id = decode_snapshot_id(replace) if replace is not None else None
        if label is not None:
            length = len(label.encode("utf-8"))
            if length > LABEL_BYTES_MAX:
                raise Rejected(408, "Snapshot label has %d bytes; at most %d are allowed." % (length, LABEL_BYTES_MAX))
        canister = self.controlled(caller, canister_id)
        text = principal_text(canister_id)

        def require_code():
            if canister.code is None:
                raise Rejected(406, "Failed to create snapshot for empty canister %s:" % text)

        if profile.check_order == "spec":
            require_code()
        replaced = None
        if replace_id is not None:
            replaced = self.find_snapshot(*replace_id)
            if replaced is None:
                raise Rejected(305, "Could not find the snapshot ID %s for canister %s." % (snapshot_id_text(*replace_id), text))
            if replace_id[0] != canister_id:
                raise Rejected(406, "The snapshot %s does not belong to canister %s." % (snapshot_id_text(*replace_id), text))
        elif len(canister.snapshots) >= profile.snapshots_per_canister_max:
            if profile.replacement == "implicit":
                if canister.snapshots:
                    replaced = canister.snapshots[min(canister.snapshots)]
            else:
                raise Rejected(406, "Canister %s has reached the maximum number of snapshots allowed: %d."
                               % (text, profile.snapshots_per_canister_max))
        uninstall = uninstall and profile.uninstall_on_take
        size = canister.snapshot_size()
        freed = (replaced.size if replaced is not None else 0)
        if uninstall:
            freed += code_size(canister.code) + canister.chunk_store_size()
        self.check_resources(canister, max(0, canister.usage() + size - freed), self.fee(size))
        if profile.check_order == "replica":
            require_code()

        # All checks passed: take it.
        snapshot = Snapshot()
        snapshot.owner = canister_id
        snapshot.local = canister.next_local
        snapshot.taken_at = self.now
        snapshot.canister_version = canister.version
        snapshot.code = canister.code.copy()
        snapshot.chunks = dict(canister.chunks)
        snapshot.certified_data = canister.certified_data
        snapshot.timer = canister.timer
        snapshot.size = size
        snapshot.label = label if profile.labels else None
        if replaced is not None:
            del canister.snapshots[replaced.local]
            canister.snapshots_size -= replaced.size
        canister.snapshots[snapshot.local] = snapshot
        canister.snapshots_size += size
        canister.next_local += 1
        canister.cycles -= self.fee(size)
        if uninstall:
            self.uninstall_now(canister, origin_json(caller, sender_version))
        sid = snapshot.id_bytes().hex()
        if id_only:
            return {"type": "snapshot_id", "value": sid}
        return {"type": "snapshot", "value": {"id": sid, "taken_at_timestamp": snapshot.taken_at, "total_size": size}}

    def load_canister_snapshot(self, caller, args):
        version = field(args, "sender_canister_version", optional=True)
        return self.load(caller, principal_bytes(field(args, "canister_id")), as_blob(field(args, "snapshot_id"), "snapshot_id"),
                         None if version is None else as_uint(version, "sender_canister_version"))

    def load_snapshot(self, caller, args):
        return self.load(caller, principal_bytes(field(args, "canister_id")), as_blob(field(args, "snapshot_id"), "snapshot_id"),
                         None)

    def load(self, caller, target_id, raw_snapshot_id, sender_version):
        profile = self.profile
        owner, local = decode_snapshot_id(raw_snapshot_id)
        target = self.controlled(caller, target_id)
        target_text = principal_text(target_id)
        id_text = snapshot_id_text(owner, local)
        snapshot = self.find_snapshot(owner, local)
        if snapshot is None:
            named = owner if owner not in self.canisters and profile.snapshot_storage == "per_canister" else target_id
            raise Rejected(305, "Could not find the snapshot ID %s for canister %s." % (id_text, principal_text(named)))
        cross = owner != target_id
        if cross and not profile.cross_canister_load:
            raise Rejected(406, "The snapshot %s does not belong to canister %s." % (id_text, target_text))
        if cross and caller not in self.canisters[owner].controllers:
            raise Rejected(406, "Only a controller of the canister that snapshot %s belongs to can load it on canister "
                           "%s. Sender: %s." % (id_text, target_text, principal_text(caller)))

        def check_loadable():
            if cross and snapshot.code.unflushed():
                raise Rejected(406, "Snapshot %s is not currently loadable on the specified canister %s. Try again later. "
                               "The call should succeed if you wait sufficiently long (usually ten minutes)."
                               % (id_text, target_text))

        # The newer replica copies the snapshot's memories before it charges the baseline, the older after.
        memories_first = profile.snapshot_storage == "per_canister"
        if memories_first:
            check_loadable()
        replaced_bytes = code_size(target.code) + target.chunk_store_size()
        loaded_bytes = code_size(snapshot.code) + CHUNK_BYTES * len(snapshot.chunks)
        # The baseline is charged first, at the current usage; the other checks see the rest.
        base = self.profile.snapshot_fee_base_cycles
        needed = target.usage() * self.profile.freezing_threshold_cycles_per_byte + base
        if target.cycles < needed:
            self.out_of_cycles(target, needed - target.cycles)
        if not memories_first:
            check_loadable()
        fee = self.fee(snapshot.size)
        self.check_resources(target, max(0, target.usage() + loaded_bytes - replaced_bytes), fee - base, base)

        # Restore code, memories, chunk store and certified data; keep everything else.
        target.code = snapshot.code.copy()
        target.chunks = dict(snapshot.chunks)
        target.certified_data = snapshot.certified_data
        target.cycles -= fee
        target.version += 1
        details = {
            "canister_version": snapshot.canister_version,
            "snapshot_id": snapshot.id_bytes().hex(),
            "taken_at_timestamp": snapshot.taken_at,
            "source": None if profile.load_history == "basic" else "taken_from_canister",
            "from_canister_id": principal_text(owner) if cross and profile.load_history == "with_source_and_from" else None,
        }
        target.record(self.now, origin_json(caller, sender_version), {"load_snapshot": details})
        return {"type": "empty"}

    def list_snapshots(self, caller, args):
        profile = self.profile
        canister_id = principal_bytes(field(args, "canister_id"))
        if profile.visibility:
            canister = self.existing(canister_id)
            if not visible(canister.visibility, caller, caller in canister.controllers):
                raise Rejected(406, "Caller %s is not allowed to call ic00 method list_canister_snapshots on canister %s."
                               % (principal_text(caller), principal_text(canister_id)))
        else:
            canister = self.controlled(caller, canister_id)
        snapshots = [canister.snapshots[local] for local in sorted(canister.snapshots)]
        if profile.labels or profile.checksum_in_listing:
            return {"type": "proposal_snapshots", "value": [{
                "id": s.id_bytes().hex(),
                "taken_on": s.taken_at,
                "label": s.label,
                "total_size": s.size,
                "checksum": content_checksum(s.code, s.chunks, s.certified_data).hex() if profile.checksum_in_listing else None,
            } for s in snapshots]}
        return {"type": "snapshots", "value": [
            {"id": s.id_bytes().hex(), "taken_at_timestamp": s.taken_at, "total_size": s.size} for s in snapshots]}

    def delete_canister_snapshot(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        return self.delete(caller, canister_id, as_blob(field(args, "snapshot_id"), "snapshot_id"))

    def delete_snapshot(self, caller, args):
        return self.delete(caller, None, as_blob(field(args, "snapshot_id"), "snapshot_id"))

    def delete(self, caller, canister_id, raw_snapshot_id):
        owner, local = decode_snapshot_id(raw_snapshot_id)
        if canister_id is None:
            canister_id = owner  # the proposal's form names no canister
        canister = self.controlled(caller, canister_id)
        snapshot = self.find_snapshot(owner, local)
        if snapshot is None:
            raise Rejected(305, "Could not find the snapshot ID %s for canister %s."
                           % (snapshot_id_text(owner, local), principal_text(canister_id)))
        if owner != canister_id:
            raise Rejected(406, "The snapshot %s does not belong to canister %s."
                           % (snapshot_id_text(owner, local), principal_text(canister_id)))
        del canister.snapshots[local]
        canister.snapshots_size -= snapshot.size
        return {"type": "empty"}

    # ---- lifecycle --------------------------------------------------------------------------

    @staticmethod
    def check_controllers_count(controllers):
        if len(set(controllers)) > CONTROLLERS_MAX:
            raise Rejected(504, "Invalid settings: 'controllers' length exceeds maximum size allowed of %d." % CONTROLLERS_MAX)

    def create_canister(self, caller, args):
        listed = field(args, "controllers", optional=True)
        controllers = [caller] if listed is None else as_principals(listed, "controllers")
        cycles = as_uint(field(args, "cycles"), "cycles")
        self.check_controllers_count(controllers)
        canister_id = canister_id_for_index(self.next_index)
        self.next_index += self.index_step
        canister = Canister(canister_id, controllers, cycles)
        canister.record(self.now, origin_json(caller, None),
                        {"creation": {"controllers": [principal_text(p) for p in canister.sorted_controllers()]}})
        self.canisters[canister_id] = canister
        return {"type": "canister_id", "value": principal_text(canister_id)}

    def install_code(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        mode = field(args, "mode")
        if mode not in ("install", "reinstall", "upgrade"):
            raise Invalid("unknown install mode %r" % (mode,))
        module = as_blob(field(args, "wasm_module"), "wasm_module")
        declared = field(args, "globals")
        if not isinstance(declared, list):
            raise Invalid("`globals` must be a list")
        globals_ = [as_global(g) for g in declared]
        version = field(args, "sender_canister_version", optional=True)
        version = None if version is None else as_uint(version, "sender_canister_version")

        canister = self.controlled(caller, canister_id)
        text = principal_text(canister_id)
        if mode == "install" and canister.code is not None:
            raise Rejected(514, "Canister %s cannot be installed because the canister is not empty. Try installing with "
                           "mode='reinstall' instead." % text)
        if mode == "upgrade" and canister.code is None:
            raise Rejected(537, "Error from Canister %s: Attempted to execute a message, but the canister contains no "
                           "Wasm module.." % text)
        if len(module) > MODULE_BYTES_MAX or len(globals_) > GLOBALS_MAX:
            raise Rejected(505, "Wasm module of canister %s is too large or declares too many globals." % text)
        keeps_stable = mode == "upgrade" and canister.code is not None
        code = Code(module, globals_, Memory(), canister.code.stable.copy() if keeps_stable else Memory())
        self.check_resources(canister, canister.usage() - code_size(canister.code) + code.size())

        canister.code = code
        if mode != "upgrade":
            canister.certified_data = b""
        canister.timer = None
        canister.version += 1
        canister.record(self.now, origin_json(caller, version),
                        {"code_deployment": {"mode": mode, "module_hash": code.module_hash.hex()}})
        return {"type": "empty"}

    def uninstall_now(self, canister, origin):
        canister.code = None
        canister.chunks = {}
        canister.certified_data = b""
        canister.timer = None
        canister.version += 1
        canister.record(self.now, origin, "code_uninstall")

    def uninstall_code(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        version = field(args, "sender_canister_version", optional=True)
        version = None if version is None else as_uint(version, "sender_canister_version")
        canister = self.controlled(caller, canister_id)
        self.uninstall_now(canister, origin_json(caller, version))
        return {"type": "empty"}

    def start_canister(self, caller, args):
        self.controlled(caller, principal_bytes(field(args, "canister_id"))).status = "running"
        return {"type": "empty"}

    def stop_canister(self, caller, args):
        self.controlled(caller, principal_bytes(field(args, "canister_id"))).status = "stopped"
        return {"type": "empty"}

    def update_settings(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        settings = field(args, "settings")
        listed = field(settings, "controllers", optional=True)
        controllers = None if listed is None else as_principals(listed, "controllers")
        visibility, status_visibility = self.visibilities(settings)
        version = field(args, "sender_canister_version", optional=True)
        version = None if version is None else as_uint(version, "sender_canister_version")

        canister = self.controlled(caller, canister_id)
        if controllers is not None:
            self.check_controllers_count(controllers)
        canister.version += 1
        if controllers is not None:
            canister.controllers = set(controllers)
            canister.record(self.now, origin_json(caller, version), {
                "controllers_change": {"controllers": [principal_text(p) for p in canister.sorted_controllers()]}})
        if visibility is not None:
            canister.visibility = visibility
        if status_visibility is not None:
            canister.status_visibility = status_visibility
        return {"type": "empty"}

    def delete_canister(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        canister = self.controlled(caller, canister_id)
        if canister.status != "stopped":
            raise Rejected(510, "Canister %s must be stopped before it is deleted." % principal_text(canister_id))
        del self.canisters[canister_id]  # its snapshots go with it
        return {"type": "empty"}

    def upload_chunk(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        chunk = as_blob(field(args, "chunk"), "chunk")
        canister = self.controlled_or_self(caller, canister_id)
        if len(chunk) > CHUNK_BYTES:
            raise Rejected(504, "Error from Wasm chunk store: Wasm chunk size %d exceeds the maximum chunk size of %d."
                           % (len(chunk), CHUNK_BYTES))
        digest = sha256(chunk)
        if digest not in canister.chunks:
            limit = self.profile.chunk_store_chunks_max
            if len(canister.chunks) >= limit:
                raise Rejected(504, "Error from Wasm chunk store: Wasm chunk store has already reached maximum capacity "
                               "of %d bytes or the maximum number of entries, %d." % (limit * CHUNK_BYTES, limit))
            self.check_resources(canister, canister.usage() + CHUNK_BYTES)
            canister.chunks[digest] = chunk
        return {"type": "chunk_hash", "value": digest.hex()}

    def clear_chunk_store(self, caller, args):
        self.controlled_or_self(caller, principal_bytes(field(args, "canister_id"))).chunks = {}
        return {"type": "empty"}

    def canister_status(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        if self.profile.status_visibility:
            canister = self.existing(canister_id)
            always = caller in canister.controllers or caller == canister.id
            if not visible(canister.status_visibility, caller, always):
                raise Rejected(542, "Caller %s is not allowed to read the canister status" % principal_text(caller))
        else:
            canister = self.controlled_or_self(caller, canister_id)
        code = canister.code
        status = {
            "status": canister.status,
            "module_hash": None if code is None else code.module_hash.hex(),
            "controllers": [principal_text(p) for p in canister.sorted_controllers()],
            "version": canister.version,
            "memory_size": canister.usage(),
            "wasm_memory_size": 0 if code is None else code.heap.size(),
            "stable_memory_size": 0 if code is None else code.stable.size(),
            "wasm_binary_size": 0 if code is None else len(code.module),
            "wasm_chunk_store_size": canister.chunk_store_size(),
            "snapshots_size": canister.snapshots_size,
            "cycles": str(canister.cycles),
            # Profiles before the setting existed (spec 0.57) report none.
            "snapshot_visibility": visibility_json(canister.visibility) if self.profile.visibility else None,
        }
        if self.profile.status_visibility:
            status["status_visibility"] = visibility_json(canister.status_visibility)
        return {"type": "status", "value": status}

    def canister_info(self, caller, args):
        canister = self.existing(principal_bytes(field(args, "canister_id")))
        return {"type": "info", "value": {
            "total_num_changes": canister.changes_total,
            "recent_changes": list(canister.history),
            "module_hash": None if canister.code is None else canister.code.module_hash.hex(),
            "controllers": [principal_text(p) for p in canister.sorted_controllers()],
        }}

    def top_up(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        cycles = as_uint(field(args, "cycles"), "cycles")
        canister = self.existing(canister_id)
        canister.cycles = min(U128_MAX, canister.cycles + cycles)
        return {"type": "empty"}

    # ---- execution effects ------------------------------------------------------------------

    def memory_of(self, canister, which):
        return canister.code.heap if which == "heap" else canister.code.stable

    @staticmethod
    def memory_name(which):
        return "heap" if which == "heap" else "stable memory"

    def write_memory(self, args, which):
        canister_id = principal_bytes(field(args, "canister_id"))
        offset = as_uint(field(args, "offset"), "offset")
        data = as_blob(field(args, "bytes"), "bytes")
        canister = self.executing(canister_id)
        memory = self.memory_of(canister, which)
        end = offset + len(data)
        limit = self.profile.wasm_memory_pages_max if which == "heap" else self.profile.stable_memory_pages_max
        pages = max(memory.wasm_pages, -(-end // WASM_PAGE_BYTES))
        if end > U64_MAX or pages > limit:
            raise self.trap(canister_id, "%s out of bounds" % self.memory_name(which))
        grown = (pages - memory.wasm_pages) * WASM_PAGE_BYTES
        if grown:
            self.check_resources(canister, canister.usage() + grown)
        memory.wasm_pages = pages
        memory.write(offset, data)
        return {"type": "empty"}

    def read_memory(self, args, which):
        canister_id = principal_bytes(field(args, "canister_id"))
        offset = as_uint(field(args, "offset"), "offset")
        length = as_uint(field(args, "len"), "len")
        canister = self.executing(canister_id)
        memory = self.memory_of(canister, which)
        if offset + length > memory.size() or length > READ_BYTES_MAX:
            raise self.trap(canister_id, "%s out of bounds" % self.memory_name(which))
        return {"type": "bytes", "value": memory.read(offset, length).hex()}

    def set_global(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        index = as_uint(field(args, "index"), "index", (1 << 32) - 1)
        value = as_global(field(args, "value"))
        canister = self.executing(canister_id)
        globals_ = canister.code.globals
        if index >= len(globals_) or globals_[index][0] != value[0]:
            raise self.trap(canister_id, "global %d cannot hold %s(%d)" % (index, value[0].upper(), value[1]))
        globals_[index] = value
        return {"type": "empty"}

    def read_globals(self, caller, args):
        canister = self.executing(principal_bytes(field(args, "canister_id")))
        return {"type": "globals", "value": [global_json(g) for g in canister.code.globals]}

    def set_certified_data(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        data = as_blob(field(args, "data"), "data")
        canister = self.executing(canister_id)
        if len(data) > CERTIFIED_DATA_MAX:
            # The system API refuses the call (a contract violation), it is not a trap.
            raise Rejected(504, "Error from Canister %s: Canister violated contract: ic0_certified_data_set failed "
                                "because the passed data must be no larger than %d bytes. Found %d bytes."
                           % (principal_text(canister_id), CERTIFIED_DATA_MAX, len(data)))
        canister.certified_data = data
        return {"type": "empty"}

    def set_timer(self, caller, args):
        canister_id = principal_bytes(field(args, "canister_id"))
        timer = as_timer(field(args, "timer"))
        canister = self.executing(canister_id)
        previous, canister.timer = canister.timer, timer
        return {"type": "timer", "value": timer_json(previous)}

    # ---- environment ------------------------------------------------------------------------

    def advance_time(self, caller, args):
        self.now = min(U64_MAX, self.now + as_uint(field(args, "nanos"), "nanos"))
        return {"type": "empty"}

    def checkpoint(self, caller, args):
        for canister in self.canisters.values():
            codes = [canister.code] + [s.code for s in canister.snapshots.values()]
            for code in codes:
                if code is not None:
                    code.heap.unflushed = False
                    code.stable.unflushed = False
        return {"type": "empty"}


# --------------------------------------------------------------------------------------------
# The protocol loop


class Server:
    def __init__(self, own_ids=False, own_clock=False):
        self.first_index, self.index_step = (OWN_IDS_FIRST_INDEX, -1) if own_ids else (0, 1)
        self.drift_ns = OWN_CLOCK_DRIFT_NS if own_clock else 0
        dropped = {"model_ids"} if own_ids else set()
        dropped |= {"deterministic_time"} if own_clock else set()
        self.capabilities = [c for c in CAPABILITIES if c not in dropped]
        self.subnet = self.fresh_subnet(Profile(IC_PROFILE))

    def fresh_subnet(self, profile):
        return Subnet(profile, self.first_index, self.index_step, self.drift_ns)

    def answer(self, line):
        """The answer to one request line, and whether the session ends."""
        try:
            message = json.loads(line)
        except ValueError as error:
            return {"type": "error", "id": 0, "message": "invalid request: not JSON (%s)" % error}, False
        request_id = message.get("id") if isinstance(message, dict) else None
        if type(request_id) is not int or not 0 <= request_id <= U64_MAX:
            return {"type": "error", "id": 0, "message": "invalid request: no valid `id`"}, False
        kind = message.get("type")
        try:
            if kind == "hello":
                return {"type": "hello", "id": request_id, "protocol": PROTOCOL_VERSION, "implementation": IMPLEMENTATION,
                        "profiles": PROFILES, "capabilities": self.capabilities}, False
            if kind == "reset":
                self.subnet = self.fresh_subnet(Profile(field(message, "config")))
                return {"type": "ok", "id": request_id}, False
            if kind == "bye":
                return {"type": "ok", "id": request_id}, True
            if kind == "call":
                caller = principal_bytes(field(message, "caller"))
                call = field(message, "call")
                if not isinstance(call, dict):
                    raise Invalid("`call` must be an object")
                try:
                    reply = self.subnet.call(caller, call)
                except Rejected as rejection:
                    return {"type": "reject", "id": request_id, "code": rejection.code,
                            "reject_code": rejection.code // 100, "message": rejection.message}, False
                return {"type": "reply", "id": request_id, "reply": reply}, False
            raise Invalid("unknown message type %r" % (kind,))
        except Invalid as error:
            return {"type": "error", "id": request_id, "message": "invalid request: %s" % error}, False
        except Exception as error:  # a bug here must not end the session
            traceback.print_exc(file=sys.stderr)
            return {"type": "error", "id": request_id, "message": "internal error: %r" % (error,)}, False


def main():
    server = Server(own_ids="--own-ids" in sys.argv[1:], own_clock="--own-clock" in sys.argv[1:])
    stdin, stdout = sys.stdin.buffer, sys.stdout
    while True:
        raw = stdin.readline(LINE_BYTES_MAX + 2)
        if not raw:
            return
        content = raw[:-1] if raw.endswith(b"\n") else raw
        content = content[:-1] if raw.endswith(b"\r\n") else content
        if len(content) > LINE_BYTES_MAX:  # the terminator does not count (protocol.md §2)
            while raw and not raw.endswith(b"\n"):  # skip the rest of the overlong line
                raw = stdin.readline(1 << 20)
            answer, done = {"type": "error", "id": 0, "message": "line longer than 8 MiB"}, False
        else:
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError:
                line = None
            if line == "":
                continue
            if line is None:
                answer, done = {"type": "error", "id": 0, "message": "line is not UTF-8"}, False
            else:
                answer, done = server.answer(line)
        stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
        stdout.flush()
        if done:
            return


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
