package checkpoint

// ResourceKey is the cache key of a resource's checkpoint: prefix is the
// input's checkpoint_key, resource the resource's key in `resources`. The
// poller and `revel-connect status` both derive keys here, so they agree.
// The two are joined by a dot, not a path separator: Benthos' file cache
// keeps each key as a file of one directory and cannot create a
// subdirectory.
func ResourceKey(prefix, resource string) string { return prefix + "." + resource }

// LegacyResourceKey is where releases before dotted keys kept a resource's
// checkpoint; the poller moves it to ResourceKey (see Move).
func LegacyResourceKey(prefix, resource string) string { return prefix + "/" + resource }

// IDsKey is the cache key of the ids remembered for hard-delete detection
// beside the checkpoint under stateKey.
func IDsKey(stateKey string) string { return stateKey + ".ids" }

// LedgerKey is the cache key of the audit's ledger of delivered changes
// beside the checkpoint under stateKey; its journal is LedgerKey + "-journal".
func LedgerKey(stateKey string) string { return stateKey + ".ledger" }
