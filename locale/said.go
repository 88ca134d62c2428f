package locale

import (
	"errors"

	"github.com/kassa-dev/kassa"
)

// Field returns the field error of field with the catalog's message id:
// its Message is the English text (the JSON API's), Said names it for a
// page in the reader's language (Lang.Field).
func Field(field, id string, args ...any) kassa.FieldError {
	return kassa.FieldError{Field: field, Message: english.T(id, args...), Said: kassa.Said{ID: id, Args: args}}
}

// Error returns an error with code and the catalog's message id, English
// in its Message as Field does.
func Error(code, id string, args ...any) *kassa.Error {
	return &kassa.Error{Code: code, Message: english.T(id, args...), Said: kassa.Said{ID: id, Args: args}}
}

// Say writes a said message in l, or its English text when it names no
// message.
func (l *Lang) Say(s kassa.Said, english string) string {
	if s.ID == "" {
		return english
	}
	return l.T(s.ID, s.Args...)
}

// Field writes a field error's message in l.
func (l *Lang) Field(f kassa.FieldError) string { return l.Say(f.Said, f.Message) }

// Message writes the message of err's *kassa.Error in l, as
// kassa.ErrorMessage does in English.
func (l *Lang) Message(err error) string {
	var e *kassa.Error
	if errors.As(err, &e) && e.Message != "" {
		return l.Say(e.Said, e.Message)
	}
	return l.T("error.internal")
}
