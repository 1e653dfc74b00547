package ai

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/wacht-platform/serverless-go/wacht/internal/core"
)

// attachmentForm encodes body, the JSON request of a task board item or
// comment call, as the multipart form the same endpoint accepts when files
// come with it. The server reads the form field by field
// (parse_create_board_item_multipart, parse_update_board_item_multipart and
// parse_create_comment_multipart, platform/src/api/agent_threads.rs:518,
// 778 and 1023): strings as they are, numbers and booleans as text, mounts
// as JSON text, and a missing part as unset. So each top-level JSON field
// becomes a text part in that spelling, null ones are left out, and each
// file is an `attachments` part.
func attachmentForm(body any, files []*File) (*core.FormBody, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("wacht: encode request: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, fmt.Errorf("wacht: request %T is not a JSON object: %w", body, err)
	}
	f := newForm()
	// Sorted, so the same call always sends the same bytes.
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		raw := fields[name]
		switch {
		case string(raw) == "null":
		case raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, err
			}
			f.Field(name, s)
		default:
			f.Field(name, string(raw))
		}
	}
	for i, file := range files {
		if file == nil {
			return nil, fmt.Errorf("wacht: attachment %d is nil: %w", i, core.ErrInvalidParams)
		}
		f.file("attachments", file)
	}
	return f.Finish()
}
