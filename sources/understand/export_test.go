package understand

// PainThreshold is the probability the embedded model needs before it reports a pain point; the
// tests compare a detection's score with it.
func PainThreshold() float64 {
	return defaultModel().threshold
}
