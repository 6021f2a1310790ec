// Records fixtures shared by the records tests.

/** 令和5年度, invented month by month: 川前 and 予約訪問 each month, 田人 in the even months. */
export function inventedMonthlyYear(): string {
  const lines = ['年度,月,種類,場所,回数,証明書,マイナンバーカード,ごみ納付券,相談,フレイル,計,説明者数'];
  for (let i = 0; i < 12; i++) {
    const month = i < 9 ? `2023-${String(i + 4).padStart(2, '0')}` : `2024-${String(i - 8).padStart(2, '0')}`;
    lines.push(`2023,${month},地区定期巡回,川前,1回,1人,${i + 1}人,0人,2人,3人,${i + 5}人,`);
    if (i % 2 === 0) lines.push(`2023,${month},地区定期巡回,田人,1回,0人,1人,0人,1人,4人,5人,`);
    lines.push(`2023,${month},予約訪問,,2回,-,-,-,1人,6人,7人,2人`);
  }
  return `${lines.join('\n')}\n`;
}
