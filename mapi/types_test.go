package mapi

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2019-11-21T09:52:34.678", time.Date(2019, 11, 21, 9, 52, 34, 678e6, time.UTC)},
		{"2019-11-21T09:52:34", time.Date(2019, 11, 21, 9, 52, 34, 0, time.UTC)},
		{"2024-05-01T10:00:00.123456789Z", time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)},
		{"2024-05-01T10:00:00.123456789", time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)},
		{"2024-05-01T10:00:00Z", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-05-01T12:00:00+02:00", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-05-01T12:00:00.5+0200", time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC)},
		{"2024-05-01 12:00:00", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := ParseTime(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01T00:00:00Z", "21/11/2019"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) succeeded", bad)
		}
	}
}

func TestTimeJSON(t *testing.T) {
	var v struct{ T Time }
	if err := json.Unmarshal([]byte(`{"T":"2019-11-21T09:52:34.678"}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"T":"2019-11-21T09:52:34.678Z"}` {
		t.Errorf("Marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"T":12}`), &v); err == nil {
		t.Error("a number was accepted as a time")
	}
}

func TestMetadataCustomShapes(t *testing.T) {
	var m Metadata
	if err := json.Unmarshal([]byte(`{"creator":"c","custom":{"k":"v"}}`), &m); err != nil || len(m.Custom) != 1 || m.Custom[0] != (MetadataEntry{"k", "v"}) {
		t.Errorf("object custom: %+v, %v", m, err)
	}
	if err := json.Unmarshal([]byte(`{"custom":[{"key":"a","value":"b"}]}`), &m); err != nil || m.Custom[0] != (MetadataEntry{"a", "b"}) || m.Creator != "" {
		t.Errorf("array custom: %+v, %v", m, err)
	}
}

func TestFindAction(t *testing.T) {
	o := Order{ActionLog: []ActionLog{{ActionID: "a1", Type: LogCreate}, {ActionID: "a2", Type: LogCapture, TransactionID: ptr("cap-1")}}}
	if a := o.FindAction("cap-1"); a == nil || a.ActionID != "a2" {
		t.Errorf("FindAction(cap-1) = %+v", a)
	}
	if a := o.FindAction("cap-2"); a != nil {
		t.Errorf("FindAction(cap-2) = %+v", a)
	}
}
