package ceimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// decodeObject parses a JSON object. Errors carry the line and column of
// the fault, since bodies are pasted from documentation and hand-edited.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers as written, so "15" and 15 read alike
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, positioned(data, err)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		return nil, fmt.Errorf("%s: unexpected data after the JSON object", lineColumn(data, int64(len(data)-len(rest))))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object, got %s", kindOf(v))
	}
	return m, nil
}

func positioned(data []byte, err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		// Offset counts the bytes read, the offending one included.
		return fmt.Errorf("%s: %v", lineColumn(data, max(syntax.Offset-1, 0)), err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%s: unexpected end of JSON input", lineColumn(data, int64(len(data))))
	}
	return err
}

// lineColumn names the 1-based line and column (in characters) of offset.
func lineColumn(data []byte, offset int64) string {
	before := data[:min(offset, int64(len(data)))]
	line := bytes.Count(before, []byte("\n")) + 1
	column := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, column)
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// The readers below accept a value as Cloud Elements did: booleans and
// numbers also as strings. path names the key in errors.

func readString(path string, v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	}
	return "", fmt.Errorf("%s: expected a string, got %s", path, kindOf(v))
}

func readBool(path string, v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		if b, err := strconv.ParseBool(strings.TrimSpace(t)); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("%s: expected true or false, got %s", path, describe(v))
}

func readNumber(path string, v any) (float64, error) {
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	default:
		return 0, fmt.Errorf("%s: expected a number, got %s", path, describe(v))
	}
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%s: expected a number, got %s", path, describe(v))
	}
	if n < 0 {
		return 0, fmt.Errorf("%s: %s is negative", path, text)
	}
	return n, nil
}

// readDuration reads a count of unit (Cloud Elements wrote minutes or
// seconds as bare numbers).
func readDuration(path string, v any, unit time.Duration) (time.Duration, error) {
	n, err := readNumber(path, v)
	if err != nil {
		return 0, err
	}
	if n > float64(math.MaxInt64)/float64(unit) {
		return 0, fmt.Errorf("%s: %v is too long", path, n)
	}
	return time.Duration(n * float64(unit)).Round(time.Millisecond), nil
}

func readCount(path string, v any) (int, error) {
	n, err := readNumber(path, v)
	if err != nil {
		return 0, err
	}
	if n != math.Trunc(n) || n > math.MaxInt32 {
		return 0, fmt.Errorf("%s: expected a whole number, got %s", path, describe(v))
	}
	return int(n), nil
}

func describe(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case json.Number:
		return t.String()
	}
	return kindOf(v)
}
