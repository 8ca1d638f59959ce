package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"

	"github.com/revel-connect/revel-connect/internal/docgen"
)

// referenceDir is where the reference lives, relative to the repository.
const referenceDir = "docs/reference"

func init() {
	commands = append(commands, &cli.Command{
		Name:   "docs",
		Hidden: true, // a maintainer's tool: `go run ./cmd/revel-connect docs`
		Usage:  "Regenerate the config reference from the components' specs",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: referenceDir, Usage: "directory of the reference pages"},
		},
		Action: func(c *cli.Context) error {
			pages, err := referencePages()
			if err != nil {
				return err
			}
			if err := writeReference(c.String("dir"), pages); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "wrote %d files to %s\n", len(pages), c.String("dir"))
			return nil
		},
	})
}

// referencePages are the reference's files by name: a page per component
// this binary adds to Benthos, and an index.
func referencePages() (map[string][]byte, error) {
	pages, err := docgen.Pages(service.GlobalEnvironment())
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{docgen.IndexFile: docgen.Index(pages)}
	for _, p := range pages {
		files[p.File] = p.Body
	}
	return files, nil
}

// writeReference writes files into dir and removes generated pages that
// are no longer produced (a component renamed or removed).
func writeReference(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stale, err := generatedFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range stale {
		if _, ok := files[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generatedFiles lists the Markdown files in dir that the generator wrote.
func generatedFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(b, []byte(docgen.Marker)) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
