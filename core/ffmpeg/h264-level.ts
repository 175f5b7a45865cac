/** H.264 level for a frame size and rate (Table A-1 macroblock rates, with headroom). Shared by the VOD and live ladders. */
export function h264Level(width: number, height: number, fps: number): string {
  const mbps = Math.ceil(width / 16) * Math.ceil(height / 16) * Math.max(1, fps);
  const table: Array<[number, string]> = [[40_500, '3.0'], [108_000, '3.1'], [216_000, '3.2'], [245_760, '4.0'], [522_240, '4.2'], [589_824, '5.0'], [983_040, '5.1']];
  for (const [limit, level] of table) if (mbps <= limit) return level;
  return '5.2';
}
