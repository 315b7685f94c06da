package meta

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEntries(t *testing.T) {
	for _, tc := range []struct {
		name, body, object string
		entries            int
		ok                 bool
	}{
		{"page", `{"object":"page","entry":[{"id":"1"},{"id":"2"}]}`, "page", 2, true},
		{"no entries", `{"object":"instagram","entry":[]}`, "instagram", 0, true},
		{"other object", `{"object":"page","entry":[{}]}`, "instagram", 0, false},
		{"no object", `{"entry":[{}]}`, "page", 0, false},
		{"not JSON", `object=page`, "page", 0, false},
		{"entry not a list", `{"object":"page","entry":{}}`, "page", 0, false},
	} {
		got, err := Entries([]byte(tc.body), tc.object)
		if (err == nil) != tc.ok || len(got) != tc.entries {
			t.Errorf("%s: %d entries, error %v", tc.name, len(got), err)
		}
	}
}

func TestItems(t *testing.T) {
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(`[{"id":"a"},{"id":7},"odd",{"id":"b","extra":true}]`), &raws); err != nil {
		t.Fatal(err)
	}
	got := Items[struct{ ID string }](raws)
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" {
		t.Errorf("Items = %+v", got)
	}
}

func TestTimestamp(t *testing.T) {
	for _, tc := range []struct {
		json string
		want time.Time
	}{
		{`"1749416383"`, time.Unix(1749416383, 0).UTC()},
		{`1749416383`, time.Unix(1749416383, 0).UTC()},
		{`1458692752478`, time.UnixMilli(1458692752478).UTC()},
		{`"1458692752478"`, time.UnixMilli(1458692752478).UTC()},
		{`"<TIME_WEBHOOK_WAS_TRIGGERED>"`, time.Time{}},
		{`null`, time.Time{}},
		{`-5`, time.Time{}},
		{`{}`, time.Time{}},
	} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(tc.json), &ts); err != nil || !ts.Equal(tc.want) {
			t.Errorf("%s: %v (%v), want %v", tc.json, ts.Time, err, tc.want)
		}
	}
}
