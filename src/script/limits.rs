//! Bounds on what a script can build and on every recursive walk of a
//! script value, so that an absurd value (a string doubled forty times, an
//! array nested ten thousand deep) is an ordinary script error rather than
//! an abort of the process (and of a whole REPL session).
//!
//! Rhai's own printing of arrays and maps recurses without a bound: it is
//! replaced here by a printer that stops at [`MAX_DEPTH`]. The conversion to
//! JSON (`script::convert`) stops at the same depth. `pad` and `blob`,
//! which allocate what they are asked for at once, are capped; any other
//! growth (a string doubled again and again) meets the memory budget of
//! [`super::memory`], checked as the script runs.

use rhai::{
    Array, Blob, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext, Position,
    INT,
};

/// The most bytes `pad` may make a string or blob.
pub const MAX_STRING_BYTES: usize = 64 * 1024 * 1024;
/// The most items `pad` may make an array.
pub const MAX_ARRAY_ITEMS: usize = 16 * 1024 * 1024;
/// How deep arrays and maps may nest when printed or converted to JSON or
/// to request parameters. A CloudStack answer nests about ten deep.
pub const MAX_DEPTH: usize = 128;

/// The error of a value nested deeper than [`MAX_DEPTH`].
pub fn too_deep(what: &str) -> String {
    format!("{what} is nested more than {MAX_DEPTH} levels deep")
}

/// The token of the termination that the memory budget causes.
pub const MEMORY_TOKEN: &str = "csctl: memory budget";

/// The message of a script stopped by the memory budget.
pub fn memory_message() -> String {
    format!(
        "the script uses more than {} MiB of memory (set CSCTL_SCRIPT_MEMORY to allow more)",
        super::memory::budget() >> 20
    )
}

/// Whether a termination token is the memory budget's.
pub fn is_memory_token(token: &Dynamic) -> bool {
    token
        .read_lock::<ImmutableString>()
        .is_some_and(|text| text.as_str() == MEMORY_TOKEN)
}

fn too_large(what: &str, asked: INT, most: usize) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(
        format!("{what}: {asked} is more than the {most} a value may hold").into(),
        Position::NONE,
    )
    .into()
}

/// Checks the size `pad` or `blob` is asked for (a negative one is 0).
fn checked_len(what: &str, len: INT, most: usize) -> Result<usize, Box<EvalAltResult>> {
    match usize::try_from(len) {
        Ok(len) if len <= most => Ok(len),
        Ok(_) => Err(too_large(what, len, most)),
        Err(_) => Ok(0),
    }
}

/// Registers capped versions of the functions that allocate a size they
/// are given: `pad` (arrays, strings, blobs) and `blob(len)`.
pub fn register_size_guards(engine: &mut Engine) {
    engine.register_fn(
        "pad",
        |array: &mut Array, len: INT, item: Dynamic| -> Result<(), Box<EvalAltResult>> {
            let len = checked_len("pad", len, MAX_ARRAY_ITEMS)?;
            if len > array.len() {
                array.resize(len, item);
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |text: &mut ImmutableString, len: INT, character: char| -> Result<(), Box<EvalAltResult>> {
            let len = checked_len("pad", len, MAX_STRING_BYTES)?;
            let count = text.chars().count();
            if len > count {
                let mut padded = text.to_string();
                padded.extend(std::iter::repeat_n(character, len - count));
                *text = padded.into();
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |text: &mut ImmutableString, len: INT, padding: &str| -> Result<(), Box<EvalAltResult>> {
            let len = checked_len("pad", len, MAX_STRING_BYTES)?;
            let count = text.chars().count();
            if len > count && !padding.is_empty() {
                let mut padded = text.to_string();
                padded.extend(padding.chars().cycle().take(len - count));
                *text = padded.into();
            }
            Ok(())
        },
    );
    engine.register_fn(
        "pad",
        |blob: &mut Blob, len: INT, value: INT| -> Result<(), Box<EvalAltResult>> {
            let len = checked_len("pad", len, MAX_STRING_BYTES)?;
            if len > blob.len() {
                blob.resize(len, (value & 0xff) as u8);
            }
            Ok(())
        },
    );
    engine.register_fn("blob", |len: INT| -> Result<Blob, Box<EvalAltResult>> {
        Ok(vec![0; checked_len("blob", len, MAX_STRING_BYTES)?])
    });
    engine.register_fn(
        "blob",
        |len: INT, value: INT| -> Result<Blob, Box<EvalAltResult>> {
            Ok(vec![
                (value & 0xff) as u8;
                checked_len("blob", len, MAX_STRING_BYTES)?
            ])
        },
    );
}

type PrintResult = Result<ImmutableString, Box<EvalAltResult>>;

/// Registers `print`, `debug`, `to_string` and `to_debug` of arrays and
/// maps, replacing Rhai's unbounded ones with the same output.
pub fn register_bounded_printing(engine: &mut Engine) {
    for name in ["print", "to_string", "debug", "to_debug"] {
        engine.register_fn(
            name,
            |ctx: NativeCallContext, array: &mut Array| -> PrintResult {
                let mut out = String::new();
                write_array(&ctx, array, 1, &mut out)?;
                Ok(out.into())
            },
        );
        engine.register_fn(
            name,
            |ctx: NativeCallContext, map: &mut Map| -> PrintResult {
                let mut out = String::new();
                write_map(&ctx, map, 1, &mut out)?;
                Ok(out.into())
            },
        );
    }
}

fn deep_error(ctx: &NativeCallContext) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(
        format!("{}: {}", ctx.fn_name(), too_deep("the value")).into(),
        Position::NONE,
    )
    .into()
}

fn write_array(
    ctx: &NativeCallContext,
    array: &mut Array,
    depth: usize,
    out: &mut String,
) -> Result<(), Box<EvalAltResult>> {
    if depth > MAX_DEPTH {
        return Err(deep_error(ctx));
    }
    out.push('[');
    let len = array.len();
    for (index, item) in array.iter_mut().enumerate() {
        write_item(ctx, item, depth, out)?;
        if index + 1 < len {
            out.push_str(", ");
        }
    }
    out.push(']');
    Ok(())
}

fn write_map(
    ctx: &NativeCallContext,
    map: &mut Map,
    depth: usize,
    out: &mut String,
) -> Result<(), Box<EvalAltResult>> {
    if depth > MAX_DEPTH {
        return Err(deep_error(ctx));
    }
    out.push_str("#{");
    let len = map.len();
    for (index, (key, item)) in map.iter_mut().enumerate() {
        out.push_str(&format!("{:?}: ", key.as_str()));
        write_item(ctx, item, depth, out)?;
        if index + 1 < len {
            out.push_str(", ");
        }
    }
    out.push('}');
    Ok(())
}

/// One item as Rhai's `to_debug` shows it; nested arrays and maps are
/// written here, one level deeper.
fn write_item(
    ctx: &NativeCallContext,
    item: &mut Dynamic,
    depth: usize,
    out: &mut String,
) -> Result<(), Box<EvalAltResult>> {
    if item.is_array() {
        if let Some(mut array) = item.write_lock::<Array>() {
            return write_array(ctx, &mut array, depth + 1, out);
        }
    }
    if item.is_map() {
        if let Some(mut map) = item.write_lock::<Map>() {
            return write_map(ctx, &mut map, depth + 1, out);
        }
    }
    match ctx.call_native_fn_raw("to_debug", true, &mut [item]) {
        Ok(text) if text.is_string() => out.push_str(&text.into_string().unwrap_or_default()),
        _ => out.push_str(&format!("{item:?}")),
    }
    Ok(())
}
