//! Wasm global values as a canister snapshot stores them.

/// A Wasm global value as a snapshot stores it. Floats are kept as raw bits so the type is Eq + Hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Global {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit IEEE 754 float, as its raw bit pattern.
    F32(u32),
    /// A 64-bit IEEE 754 float, as its raw bit pattern.
    F64(u64),
    /// A 128-bit SIMD vector (a decimal string in JSON: numbers there stop at 2^53).
    V128(#[serde(with = "crate::ids::u128_decimal")] u128),
}

/// The Wasm value type of a [`Global`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlobalType {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `v128`
    V128,
}

impl GlobalType {
    /// The value type's byte in the Wasm binary format (`valtype`).
    pub fn wasm_code(self) -> u8 {
        match self {
            GlobalType::I32 => 0x7f,
            GlobalType::I64 => 0x7e,
            GlobalType::F32 => 0x7d,
            GlobalType::F64 => 0x7c,
            GlobalType::V128 => 0x7b,
        }
    }

    /// Width of a value of this type in bytes.
    pub fn byte_width(self) -> usize {
        match self {
            GlobalType::I32 | GlobalType::F32 => 4,
            GlobalType::I64 | GlobalType::F64 => 8,
            GlobalType::V128 => 16,
        }
    }
}

impl Global {
    /// The Wasm value type of this global.
    pub fn value_type(&self) -> GlobalType {
        match self {
            Global::I32(_) => GlobalType::I32,
            Global::I64(_) => GlobalType::I64,
            Global::F32(_) => GlobalType::F32,
            Global::F64(_) => GlobalType::F64,
            Global::V128(_) => GlobalType::V128,
        }
    }

    /// The all-zero-bits value of `ty` (the default a Wasm engine gives a fresh global).
    pub fn zero(ty: GlobalType) -> Global {
        match ty {
            GlobalType::I32 => Global::I32(0),
            GlobalType::I64 => Global::I64(0),
            GlobalType::F32 => Global::F32(0),
            GlobalType::F64 => Global::F64(0),
            GlobalType::V128 => Global::V128(0),
        }
    }

    /// The value as little-endian bytes of its type's width (two's complement for
    /// integers, IEEE 754 bits for floats) — the encoding the checksum commits to.
    pub fn value_le_bytes(&self) -> Vec<u8> {
        match *self {
            Global::I32(v) => v.to_le_bytes().to_vec(),
            Global::I64(v) => v.to_le_bytes().to_vec(),
            Global::F32(v) => v.to_le_bytes().to_vec(),
            Global::F64(v) => v.to_le_bytes().to_vec(),
            Global::V128(v) => v.to_le_bytes().to_vec(),
        }
    }
}
