import { AmfEcmaArray, encodeAmf0, type AmfObject, type AmfValue } from '../format/amf/amf';
import { audioInfoFromTag, videoInfoFromSeqHeader } from '../format/codec/codec-info';
import { parseAudioTag, parseVideoTag } from '../format/flv/video-tag';
import type { MediaPacket } from './packet';
import type { Stream } from './stream';

/**
 * Codec parsing for the one publish path (publish.ts; ingests call its handle, not these): feed one
 * FLV-tag-shaped body (an RTMP audio/video message, or an FLV tag) into a stream.
 * Throws OnAirError('FORMAT') for a malformed tag: the caller closes that connection.
 */
export function ingestVideo(stream: Stream, timestamp: number, body: Buffer): void {
  const tag = parseVideoTag(body);
  const p: MediaPacket = { kind: 'video', timestamp, cts: tag.cts, keyframe: tag.keyframe, seqHeader: tag.seqHeader, body };
  if (tag.seqHeader) stream.setVideoConfig(p, videoInfoFromSeqHeader(tag, body));
  else stream.push(p);
}

export function ingestAudio(stream: Stream, timestamp: number, body: Buffer): void {
  if (body.length === 0) return;
  const tag = parseAudioTag(body);
  const p: MediaPacket = { kind: 'audio', timestamp, cts: 0, keyframe: false, seqHeader: tag.seqHeader, body };
  if (tag.seqHeader) stream.setAudioConfig(p, audioInfoFromTag(tag, body));
  else {
    if (!stream.audioInfo) stream.learnAudioInfo(audioInfoFromTag(tag, body));
    stream.push(p);
  }
}

function isObject(v: AmfValue): v is AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** A data message's decoded values: metadata is stored as a clean onMetaData; anything else passes through. */
export function ingestData(stream: Stream, timestamp: number, values: AmfValue[], raw: Buffer): void {
  let rest = values;
  if (rest[0] === '@setDataFrame') rest = rest.slice(1);
  if (rest[0] === 'onMetaData') {
    const fields = rest.find((v, i) => i > 0 && isObject(v)) as AmfObject | undefined;
    const meta = { ...(fields ?? {}), server: 'OnAir Studio' };
    const body = encodeAmf0(['onMetaData', new AmfEcmaArray(meta)]);
    stream.setMetadata({ kind: 'data', timestamp: 0, cts: 0, keyframe: false, seqHeader: true, body }, meta);
    return;
  }
  stream.pushData({ kind: 'data', timestamp, cts: 0, keyframe: false, seqHeader: false, body: raw });
}
