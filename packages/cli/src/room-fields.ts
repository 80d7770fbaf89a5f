import {
  CreateRoomRequest,
  CreateRoomTokenRequest,
  ROOM_TOKEN_PERMISSIONS,
  UpdateRoomRequest,
} from '@conclave/schema';
import { specsOf } from './conference-fields.js';

/** The fields `POST /rooms` takes, from `CreateRoomRequest`. */
export const ROOM_CREATE_FIELDS = specsOf(CreateRoomRequest);
/** The fields `PUT /rooms/{id}` takes, from `UpdateRoomRequest`. */
export const ROOM_UPDATE_FIELDS = specsOf(UpdateRoomRequest);
/** The fields `POST /room_tokens` takes, from `CreateRoomTokenRequest`. */
export const ROOM_TOKEN_FIELDS = specsOf(CreateRoomTokenRequest).map((field) =>
  field.key === 'permissions'
    ? {
        ...field,
        help: 'the permissions the token grants, comma-separated (listed below); default the room.self.* ones',
      }
    : field,
);

/** The permissions a room token may grant, wrapped for `--help`. */
export function permissionsHelp(width = 96): string {
  const lines: string[] = [];
  let line = ' ';
  for (const permission of ROOM_TOKEN_PERMISSIONS) {
    if (line.length + permission.length + 1 > width) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${permission}`;
  }
  lines.push(line);
  return `\nPermissions (--permissions):\n${lines.join('\n')}\n`;
}
