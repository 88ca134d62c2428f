package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// unknownFieldPath returns the JSON path ("customer.address.zip",
// "lines[1].price") of the first field in body that t has no field for,
// or "" when there is none. encoding/json names only the key, not where it is.
func unknownFieldPath(body []byte, t reflect.Type) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return walkUnknown(v, t, "")
}

func walkUnknown(v any, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := jsonField(t, k)
			p := joinPath(path, k)
			if !ok {
				return p
			}
			if u := walkUnknown(x[k], f.Type, p); u != "" {
				return u
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return ""
		}
		for i, e := range x {
			if u := walkUnknown(e, t.Elem(), path+"["+strconv.Itoa(i)+"]"); u != "" {
				return u
			}
		}
	}
	return ""
}

// jsonField finds the field of struct t that the JSON key k decodes into
// (case-insensitively, as encoding/json does).
func jsonField(t reflect.Type, k string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, k) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
