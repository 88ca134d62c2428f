package locale

import (
	"fmt"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/kassa-dev/kassa"
)

// message is a catalog message whose placeholders are all plain
// {{.Name}}: it is written by putting the arguments in place, without
// running a text/template on every page (go-i18n would).
type message struct {
	one, other []segment // the plural forms; one is nil when there is one form
}

// segment is a run of literal text, or a placeholder when name is set.
type segment struct {
	text, name string
}

// compile returns m as a message, or false when it uses more of
// text/template than {{.Name}} (go-i18n then says it).
func compile(m *i18n.Message) (*message, bool) {
	other, ok := segments(m.Other)
	if !ok {
		return nil, false
	}
	msg := &message{other: other}
	if m.One != "" {
		if msg.one, ok = segments(m.One); !ok {
			return nil, false
		}
	}
	return msg, true
}

// segments splits s at its {{.Name}} placeholders.
func segments(s string) ([]segment, bool) {
	var out []segment
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				out = append(out, segment{text: s})
			}
			return out, true
		}
		j := strings.Index(s[i:], "}}")
		name := ""
		if j > 0 {
			name = strings.TrimSpace(s[i+2 : i+j])
		}
		if !strings.HasPrefix(name, ".") || strings.ContainsAny(name[1:], " .|()$") || len(name) < 2 {
			return nil, false
		}
		if i > 0 {
			out = append(out, segment{text: s[:i]})
		}
		out = append(out, segment{name: name[1:]})
		s = s[i+j+2:]
	}
}

// write writes the message in l with args (name, value pairs); count
// chooses the plural form: "one" for 1, "other" for every other number,
// which is the rule of every language the shop speaks.
func (m *message) write(l *Lang, count any, args []any) string {
	segs := m.other
	if m.one != nil && isOne(count) {
		segs = m.one
	}
	var b strings.Builder
	for _, sg := range segs {
		if sg.name == "" {
			b.WriteString(sg.text)
			continue
		}
		b.WriteString(l.argument(sg.name, args))
	}
	return b.String()
}

// argument returns the value of the argument name, as text in l.
func (l *Lang) argument(name string, args []any) string {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); !ok || k != name {
			continue
		}
		switch v := args[i+1].(type) {
		case string:
			return v
		case ID:
			return l.T(string(v))
		case Duration:
			return l.Duration(time.Duration(v))
		case kassa.Said:
			return l.T(v.ID, v.Args...)
		default:
			return fmt.Sprint(v)
		}
	}
	return "<no value>" // as text/template writes a missing key
}

func isOne(count any) bool {
	switch n := count.(type) {
	case int64:
		return n == 1
	case int:
		return n == 1
	}
	return false
}
