import { Type, type Static } from '@sinclair/typebox';
import { ListResponse, Uuid } from './common.js';
import { Nullable } from './helpers.js';

/** The room permissions a token may carry (the room-token permission vocabulary). */
export const ROOM_SELF_SCOPES = [
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

export const ROOM_MEMBER_SCOPES = [
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
] as const;

export const ROOM_CONTROL_SCOPES = [
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

/** D18: the two tokens every conference gets at creation. */
export const CONFERENCE_TOKEN_TEMPLATES = [
  {
    name: 'Moderator',
    scopes: [...ROOM_SELF_SCOPES, ...ROOM_MEMBER_SCOPES, ...ROOM_CONTROL_SCOPES],
  },
  { name: 'Guest', scopes: [...ROOM_SELF_SCOPES] },
] as const;

export const ConferenceToken = Type.Object(
  {
    id: Uuid,
    name: Nullable(Type.String()),
    token: Type.String({ description: '`vpt_` followed by 32 lowercase hex digits' }),
    scopes: Type.Array(Type.String()),
  },
  { title: 'ConferenceToken', additionalProperties: false },
);
export type ConferenceToken = Static<typeof ConferenceToken>;

export const ListConferenceTokensResponse = ListResponse(
  ConferenceToken,
  'ListConferenceTokensResponse',
);
export type ListConferenceTokensResponse = Static<typeof ListConferenceTokensResponse>;
