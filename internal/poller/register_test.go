package poller

// The package's tests build streams that name revel_poller.
func init() { Register() }
