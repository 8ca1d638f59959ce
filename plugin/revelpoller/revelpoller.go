// Package revelpoller is the revel_poller Benthos input. Import it for its
// side effect to add revel_poller to a Benthos or Redpanda Connect build:
//
//	import _ "github.com/revel-connect/revel-connect/plugin/revelpoller"
package revelpoller

import (
	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/poller"
)

func init() { poller.Register() }

// Spec describes revel_poller's configuration; the reference docs are
// generated from it.
func Spec() *service.ConfigSpec { return poller.Spec() }
