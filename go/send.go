package colonies

import (
	"encoding/json"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// Send sends any message type: msgType with the fields of payload (a value
// that marshals to a JSON object, or nil for none), signed with prvkey, and
// returns the reply's payload. prvkey "" sends the message unsigned, as
// versionmsg and getserverinfomsg are sent. The client's request timeout
// applies.
func (c *Client) Send(msgType string, payload any, prvkey string) (json.RawMessage, error) {
	payloadJSON := "{}"
	if payload != nil {
		var err error
		if payloadJSON, err = encode("payload", payload); err != nil {
			return nil, err
		}
	}
	var out string
	err := c.do(func(h uintptr) int {
		return capi.Colonies_client_send(h, &out, msgType, payloadJSON, prvkey, 0)
	}, msgType, payloadJSON, prvkey)
	if out, err = output(out, err); err != nil {
		return nil, err
	}
	return json.RawMessage(out), nil
}
