"""Traditional characters folded to simplified ones before matching.

Some citizens type traditional characters (金水區, 鄭東新區, 健康碼變黃). The lexicon is written in
simplified characters, so the text is folded first. Only characters that never occur in simplified text
are listed (著, 乾, 於 are left out: they are also simplified characters with another meaning), and every
fold is one character for one character, so a position in the folded text is the same position in the
original and evidence can be quoted as the citizen wrote it.
"""

from __future__ import annotations

# Pairs of traditional -> simplified: place names first, then the words citizens write about.
_PAIRS = (
    "區区 縣县 鄭郑 鞏巩 義义 滎荥 陽阳 濟济 經经 開开 東东 機机 場场 銀银 術术 華华 鎮镇 鄉乡 廣广 園园"
    " 橋桥 莊庄 鋪铺 館馆 龍龙 鳳凤 紀纪 門门 車车 鐵铁 運运 輸输 線线 號号 長长 過过 還还 這这 個个 們们"
    " 麼么 嗎吗 請请 問问 謝谢 醫医 藥药 療疗 診诊 檢检 測测 離离 碼码 黃黄 紅红 綠绿 變变 轉转 彈弹 學学"
    " 師师 課课 試试 業业 務务 產产 復复 廠厂 員员 資资 貨货 買买 賣卖 糧粮 飯饭 麵面 雞鸡 團团 購购 電电"
    " 話话 燒烧 熱热 發发 緊紧 傷伤 護护 婦妇 臨临 腦脑 難难 嚴严 針针 劑剂 應应 該该 對对 關关 樓楼 處处"
    " 辦办 報报 幫帮 愛爱 媽妈 爺爷 孫孙 兒儿 親亲 為为 從从 來来 時时 間间 後后 會会 樣样 說说 讓让 裡里"
    " 沒没 無无 見见 現现 聽听 將将 與与 體体 溫温 頭头 氣气 鬧闹 亂乱 歲岁 費费 貴贵 價价 錢钱 傳传 備备"
    " 證证 書书 單单 據据 認认 邊边 點点 鐘钟 週周 兩两 條条 歡欢 網网 絡络 雙双 擔担 償偿 勞劳 動动 統统"
    " 種种 實实 驗验 斷断 續续 陰阴 癥症 狀状 穩稳 給给 帶带 須须 幾几 衛卫 舊旧 灣湾 歷历 簡简 隊队 級级"
    " 衝冲 壓压 腎肾 癇痫 瘋疯 殺杀 擊击 燈灯 壞坏 貓猫 飼饲 鳥鸟 寵宠 誰谁"
)

_TABLE = str.maketrans({pair[0]: pair[1] for pair in _PAIRS.split()})


def to_simplified(text: str) -> str:
    """Fold the listed traditional characters; the result has exactly the length of the input."""
    return text.translate(_TABLE)
