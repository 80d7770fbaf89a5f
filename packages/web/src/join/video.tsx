import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A `<video>` showing `stream`; local previews are mirrored and always muted. */
export function Video({
  stream,
  mirrored = false,
  label,
  class: cls,
}: {
  stream: MediaStream | undefined;
  mirrored?: boolean;
  label: string;
  class?: string;
}): JSX.Element {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video || video.srcObject === (stream ?? null)) return;
    video.srcObject = stream ?? null;
    if (stream) void video.play().catch(() => undefined);
  }, [stream]);
  return (
    <video
      ref={ref}
      class={`${cls ?? 'video'}${mirrored ? ' mirrored' : ''}`}
      autoplay
      playsInline
      muted
      aria-label={label}
    />
  );
}
