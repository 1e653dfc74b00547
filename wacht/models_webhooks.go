package wacht

import (
	"fmt"
	"time"
)

// ReplayDeliveriesParams is the JSON body of WebhooksService.Replay. Set
// either DeliveryIDs (replay those deliveries) or StartDate (replay the
// deliveries of a time range, optionally narrowed by the other fields).
//
// The published spec types this body as a bare string ("ByIds" or
// "ByDateRange"); the API, like the JavaScript SDK, takes one of these two
// object shapes.
type ReplayDeliveriesParams struct {
	// DeliveryIDs selects deliveries by id.
	DeliveryIDs []string `json:"delivery_ids,omitempty"`
	// StartDate and EndDate select deliveries by time; EndDate is optional.
	StartDate *time.Time `json:"start_date,omitempty"`
	EndDate   *time.Time `json:"end_date,omitempty"`
	// Status, EventName and EndpointID narrow a time-range replay.
	Status     string `json:"status,omitempty"`
	EventName  string `json:"event_name,omitempty"`
	EndpointID string `json:"endpoint_id,omitempty"`
	// IdempotencyKey makes a repeated request start at most one replay.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

func (p ReplayDeliveriesParams) validate() error {
	byIDs := len(p.DeliveryIDs) > 0
	byRange := p.StartDate != nil
	switch {
	case byIDs == byRange:
		return fmt.Errorf("wacht: ReplayDeliveriesParams needs either DeliveryIDs or StartDate: %w", ErrInvalidParams)
	case byIDs && (p.EndDate != nil || p.Status != "" || p.EventName != "" || p.EndpointID != ""):
		return fmt.Errorf("wacht: ReplayDeliveriesParams: EndDate, Status, EventName and EndpointID apply to a time range, not to DeliveryIDs: %w", ErrInvalidParams)
	}
	return nil
}
