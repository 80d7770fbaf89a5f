/** The API's vocabularies the console offers (a test checks them against the schema's). */
import { LAYOUTS } from '../join/layouts.js';

export const LAYOUT_VALUES: readonly string[] = LAYOUTS.map((l) => l.value);

/** The permission sets a room token can carry from the console (the API's vocabulary). */
export const GUEST_PERMISSIONS = [
  'room.self.audio_mute',
  'room.self.audio_unmute',
  'room.self.video_mute',
  'room.self.video_unmute',
  'room.self.deaf',
  'room.self.undeaf',
  'room.self.set_input_volume',
  'room.self.set_output_volume',
  'room.self.set_input_sensitivity',
  'room.self.screenshare',
  'room.self.additional_source',
] as const;
export const MODERATOR_PERMISSIONS = [
  ...GUEST_PERMISSIONS,
  'room.member.audio_mute',
  'room.member.audio_unmute',
  'room.member.video_mute',
  'room.member.video_unmute',
  'room.member.deaf',
  'room.member.undeaf',
  'room.member.set_input_volume',
  'room.member.set_output_volume',
  'room.member.set_input_sensitivity',
  'room.member.set_position',
  'room.member.set_meta',
  'room.member.raisehand',
  'room.member.lowerhand',
  'room.member.remove',
  'room.member.promote',
  'room.member.demote',
  'room.hide_video_muted',
  'room.show_video_muted',
  'room.list_available_layouts',
  'room.lock',
  'room.unlock',
  'room.playback',
  'room.playback_seek',
  'room.prioritize_handraise',
  'room.recording',
  'room.set_layout',
  'room.set_position',
  'room.set_meta',
  'room.stream',
] as const;
