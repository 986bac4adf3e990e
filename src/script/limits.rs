//! Bounds on what a script can build and on every recursive walk of a
//! script value, so that an absurd value (a string doubled forty times, an
//! array nested ten thousand deep) is an ordinary script error rather than
//! an abort of the process (and of a whole REPL session).
//!
//! Rhai's own printing of arrays and maps recurses without a bound: it is
//! replaced here by a printer that stops at [`MAX_DEPTH`]. The conversion to
//! JSON ([`super::convert`]) stops at the same depth.

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext, Position,
};

/// The most bytes of text one value may hold, its nested parts included.
pub const MAX_STRING_BYTES: usize = 64 * 1024 * 1024;
/// The most array items one value may hold, its nested arrays included.
pub const MAX_ARRAY_ITEMS: usize = 16 * 1024 * 1024;
/// The most map entries one value may hold, its nested maps included.
pub const MAX_MAP_ENTRIES: usize = 16 * 1024 * 1024;
/// How deep arrays and maps may nest when printed or converted to JSON or
/// to request parameters. A CloudStack answer nests about ten deep.
pub const MAX_DEPTH: usize = 128;

/// The error of a value nested deeper than [`MAX_DEPTH`].
pub fn too_deep(what: &str) -> String {
    format!("{what} is nested more than {MAX_DEPTH} levels deep")
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
