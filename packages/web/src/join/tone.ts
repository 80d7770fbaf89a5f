/** The entry and exit tones (`tone_on_entry_and_exit`): a short rising or falling pair. */
let context: AudioContext | undefined;

export function playTone(kind: 'entry' | 'exit'): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
    const now = context.currentTime;
    const [first, second] = kind === 'entry' ? [660, 880] : [880, 660];
    for (const [i, frequency] of [first, second].entries()) {
      const osc = context.createOscillator();
      const gain = context.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      const start = now + i * 0.12;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.11);
      osc.connect(gain).connect(context.destination);
      osc.start(start);
      osc.stop(start + 0.12);
    }
  } catch {
    // No audio output: no tone.
  }
}
