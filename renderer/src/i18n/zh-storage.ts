import type { enStorage } from './en-storage';

/** 对象存储（issue 15）的中文文案。 */
export const zhStorage: Record<keyof typeof enStorage, string> = {
  'storage.inBucket': '已存入存储桶',
  'storage.uploading': '上传中 {pct}%',
  'storage.queued': '等待上传',
  'storage.verifying': '正在校验上传',
  'storage.retrying': '上传重试中（{attempts}）',
  'storage.failed': '上传失败',
  'storage.bucket': '存储桶 {bucket}（{endpoint}）',
  'storage.online': '可访问',
  'storage.offline': '无法访问——本地文件保留，上传将重试',
  'storage.counts': '已存 {done}，待传 {pending}',
};
