package gcf

import (
	"io"
	"log/slog"
)

// NewLogHandler returns a slog handler that writes one JSON object per
// record in the shape Cloud Logging reads from a function's stdout or
// stderr: "severity" (DEBUG, INFO, WARNING, ERROR), "message", "time", and
// every attribute as a top-level field. The fields this package adds
// (logging.googleapis.com/trace, .../spanId, .../trace_sampled,
// .../labels) are then picked up as the entry's trace and labels instead of
// staying in its payload. With opts.AddSource the location goes to
// logging.googleapis.com/sourceLocation.
//
// Give it to the kit: handler.New(handler.Options{Logger:
// slog.New(gcf.NewLogHandler(os.Stderr, nil))}).
func NewLogHandler(w io.Writer, opts *slog.HandlerOptions) slog.Handler {
	var o slog.HandlerOptions
	if opts != nil {
		o = *opts
	}
	user := o.ReplaceAttr
	o.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 {
			switch a.Key {
			case slog.LevelKey:
				if l, ok := a.Value.Any().(slog.Level); ok {
					a = slog.String("severity", severity(l))
				}
			case slog.MessageKey:
				a.Key = "message"
			case slog.SourceKey:
				a.Key = "logging.googleapis.com/sourceLocation"
			}
		}
		if user != nil {
			a = user(groups, a)
		}
		return a
	}
	return slog.NewJSONHandler(w, &o)
}

// severity maps slog levels onto Cloud Logging's LogSeverity names.
func severity(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	default:
		return "ERROR"
	}
}
