/** Protocol-neutral codec descriptions shared by ingest, stats and every egress. */

export type VideoCodecName = 'H264' | 'HEVC' | 'AV1' | 'VP9' | 'VP6' | 'SORENSON' | 'SCREEN' | 'UNKNOWN';
export type AudioCodecName = 'AAC' | 'MP3' | 'SPEEX' | 'NELLYMOSER' | 'G711A' | 'G711U' | 'PCM' | 'OPUS' | 'UNKNOWN';

export interface VideoCodecInfo {
  codec: VideoCodecName;
  /** Profile name as NMS reports it: 'Baseline' | 'Main' | 'High' | 'Main 10' | ... ; '' if unknown */
  profile: string;
  /** e.g. 3.1 for H.264 level_idc 31, 4.1 for HEVC general_level_idc 123 */
  level: number;
  width: number;
  height: number;
  /** RFC 6381 codec string when derivable, e.g. 'avc1.64001f', 'hvc1.1.6.L93.B0' */
  codecString?: string;
}

export interface AudioCodecInfo {
  codec: AudioCodecName;
  /** 'LC' | 'HE' | 'HEv2' | 'Main' | '' */
  profile: string;
  samplerate: number;
  channels: number;
  /** AAC audioObjectType if AAC */
  objectType?: number;
  codecString?: string;
}

/** What one FLV/RTMP video tag body holds. */
export interface VideoTagInfo {
  codec: VideoCodecName;
  /** FLV frame type: 1 key, 2 inter, 3 disposable, 4 generated key, 5 video info/command */
  frameType: number;
  keyframe: boolean;
  /** true for the decoder configuration record (AVC/HEVC seq header, Enhanced RTMP SequenceStart) */
  seqHeader: boolean;
  /** Enhanced RTMP SequenceEnd / AVC end-of-sequence */
  seqEnd: boolean;
  /** composition time offset in ms (pts - dts), 0 if the format has none */
  cts: number;
  /** Enhanced RTMP FourCC ('hvc1','av01','vp09','avc1') when the ex-header was used */
  fourcc?: string;
  /** offset into the tag body where the codec payload (NALUs / OBUs / config record) starts */
  dataOffset: number;
}

export interface AudioTagInfo {
  codec: AudioCodecName;
  seqHeader: boolean;
  /** FLV SoundRate/SoundSize/SoundType from the first byte (raw values) */
  soundRate: number;
  soundSize: number;
  soundType: number;
  /** offset into the tag body where the raw audio (or AudioSpecificConfig) starts */
  dataOffset: number;
}
