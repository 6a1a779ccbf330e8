// Package sweep runs a scan on a schedule: every fixed interval or on a
// five-field cron specification, one run at a time, a missed slot run
// once, and a cancelled context ending the loop after the current run.
package sweep

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule gives the next slot strictly after t.
type Schedule interface {
	Next(t time.Time) time.Time
	String() string
}

// Every is a fixed interval.
type Every time.Duration

// Next implements Schedule.
func (e Every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

func (e Every) String() string { return "every " + time.Duration(e).String() }

// Cron is a parsed five-field cron specification (minute hour
// day-of-month month day-of-week), evaluated in Loc.
type Cron struct {
	spec                    string
	min, hour, dom, mon, dw [64]bool
	domAny, dowAny          bool
	Loc                     *time.Location
}

func (c *Cron) String() string { return "cron " + c.spec }

// ParseCron parses "M H DOM MON DOW" with *, lists, ranges and steps
// (e.g. "0 3 * * *", "*/15 8-18 * * 1-5"). Day of week 0 and 7 are Sunday.
// When both day fields are restricted a day matching either runs, as in
// Vixie cron.
func ParseCron(spec string) (*Cron, error) {
	if len(spec) > 200 {
		return nil, fmt.Errorf("sweep: cron: specification longer than 200 bytes")
	}
	f := strings.Fields(spec)
	if len(f) != 5 {
		return nil, fmt.Errorf("sweep: cron %q: want 5 fields (minute hour day-of-month month day-of-week), got %d", spec, len(f))
	}
	c := &Cron{spec: strings.Join(f, " "), Loc: time.Local}
	fields := []struct {
		name   string
		lo, hi int
		set    *[64]bool
	}{{"minute", 0, 59, &c.min}, {"hour", 0, 23, &c.hour}, {"day-of-month", 1, 31, &c.dom}, {"month", 1, 12, &c.mon}, {"day-of-week", 0, 7, &c.dw}}
	for i, fd := range fields {
		if err := parseField(f[i], fd.lo, fd.hi, fd.set); err != nil {
			return nil, fmt.Errorf("sweep: cron %q: %s: %v", spec, fd.name, err)
		}
	}
	if c.dw[7] {
		c.dw[0] = true
	}
	c.domAny, c.dowAny = f[2] == "*", f[4] == "*"
	// A specification that can never fire (e.g. 30 February) would make
	// Next search forever; refuse it up front.
	if c.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, fmt.Errorf("sweep: cron %q: never matches a date", spec)
	}
	return c, nil
}

func parseField(s string, lo, hi int, set *[64]bool) error {
	for _, part := range strings.Split(s, ",") {
		rng, stepS, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n < 1 || n > hi {
				return fmt.Errorf("bad step %q", stepS)
			}
			step = n
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err1, err2 error
			a, err1 = strconv.Atoi(x)
			b, err2 = strconv.Atoi(y)
			if err1 != nil || err2 != nil || a > b {
				return fmt.Errorf("bad range %q", rng)
			}
		default:
			n, err := strconv.Atoi(rng)
			if err != nil {
				return fmt.Errorf("bad value %q", rng)
			}
			a, b = n, n
			if hasStep {
				b = hi
			}
		}
		if a < lo || b > hi {
			return fmt.Errorf("%q is outside %d-%d", rng, lo, hi)
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return nil
}

// Next implements Schedule: the first matching minute after t, or the
// zero time when none comes within five years.
func (c *Cron) Next(t time.Time) time.Time {
	loc := c.Loc
	if loc == nil {
		loc = time.Local
	}
	t = t.In(loc).Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		if !c.mon[int(t.Month())] {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
			continue
		}
		if !c.hour[t.Hour()] {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, loc)
			continue
		}
		if !c.min[t.Minute()] {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}

func (c *Cron) dayMatches(t time.Time) bool {
	d, w := c.dom[t.Day()], c.dw[int(t.Weekday())]
	switch {
	case c.domAny && c.dowAny:
		return true
	case c.domAny:
		return w
	case c.dowAny:
		return d
	}
	return d || w
}
