package tests

import (
	"testing"

	"github.com/revel-connect/revel-connect/internal/testbin"
)

func TestMain(m *testing.M) { testbin.Main(m) }

// revelConnect is the binary as users run it.
func revelConnect(t *testing.T) string { return testbin.Path(t) }
