// Package revelsim is an in-process fake of the Revel Systems POS REST API
// (the Django-Tastypie "Open API" under /resources/, /enterprise/ and
// /products/), for testing pipelines that poll Revel without a tenant.
//
// It reproduces the behaviour a poller depends on, as Revel's developer
// docs (developer.revelsystems.com), Django-Tastypie's defaults and public
// clients that met real tenants describe it:
//
//   - Tastypie paging: {"meta": {...}, "objects": [...]}, default limit 20,
//     limit clamped to MaxLimit, limit=0 meaning MaxLimit, relative
//     next/previous links built from the request's own parameters, and
//     rows in primary-key order unless order_by says otherwise.
//   - Django lookups (updated_date__gte, id__in, customer__isnull, …) with
//     a per-resource whitelist; other fields answer 400, parameters that
//     name no field are ignored. Dates are naive local wall-clock text in
//     Options.Zone and are compared as wall-clock times, so across the
//     autumn fall-back updated_date text runs backwards exactly as on a
//     real tenant. ProductCategory lists hide active=false rows unless the
//     request filters on active, as Revel's do.
//   - API-AUTHENTICATION key:secret (or api_key/api_secret) auth, 401/404/405
//     with empty bodies.
//   - Scripted and random faults (429 with Retry-After, 5xx, truncated
//     bodies, slow pages, a next link on a foreign origin) and a hook to
//     mutate rows between pages.
//
// One Server is one tenant. Mutate it with Insert/Update/Delete (or
// SeedTenant/SeedEmployees), serve it with Start or as an http.Handler,
// and inspect what clients sent with Requests. Drive Options.Clock to
// control created_date/updated_date. A Generator keeps a tenant changing
// (shifts clocked in and out, orders opened, paid and voided, punches
// hard-deleted), as `revel-connect demo` and `revel-connect simulator` do.
//
// Behaviour that Revel does not document is modelled on Tastypie's
// defaults and flagged in the doc comments; two deliberate choices: filter
// values with a UTC offset are rejected (400) so a client that sends UTC
// instead of local time fails loudly, and a path without its trailing
// slash is a 404.
package revelsim
