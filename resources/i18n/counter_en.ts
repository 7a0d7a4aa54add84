<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="29"/>
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="30"/>
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="31"/>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="32"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="33"/>
        <source>接件时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="34"/>
        <source>承诺办结</source>
        <translation>Due</translation>
    </message>
</context>
<context>
    <name>CaseWork</name>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="67"/>
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="68"/>
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="69"/>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="70"/>
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="71"/>
        <location filename="../../counter_app/ui/case_work.py" line="270"/>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="72"/>
        <source>接件时间</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="73"/>
        <source>承诺办结</source>
        <translation>Due</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="78"/>
        <source>窗口领取</source>
        <translation>Collect at the window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="81"/>
        <source>邮寄送达</source>
        <translation>By post</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="82"/>
        <source>电子送达</source>
        <translation>Electronic delivery</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="85"/>
        <source>承办</source>
        <translation>Handling</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="86"/>
        <source>审核</source>
        <translation>Review</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="87"/>
        <source>批准</source>
        <translation>Approval</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="90"/>
        <source>通过</source>
        <translation>Pass</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="91"/>
        <source>退回</source>
        <translation>Send back</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="92"/>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="98"/>
        <source>补正后受理</source>
        <translation>Accept corrected</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="99"/>
        <source>开始办理</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="100"/>
        <source>记录环节</source>
        <translation>Record stage</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="101"/>
        <source>特别程序</source>
        <translation>Special procedure</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="102"/>
        <source>延长审批</source>
        <translation>Extend</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="103"/>
        <source>结束特别程序</source>
        <translation>End special procedure</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="104"/>
        <source>办结</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="105"/>
        <source>送达</source>
        <translation>Deliver</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="106"/>
        <source>退件</source>
        <translation>Return</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="107"/>
        <source>作废</source>
        <translation>Void</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="228"/>
        <source>办件编号、身份证号或信用代码、姓名或单位名称、事项拼音首字母</source>
        <translation>Case number, ID number or credit code, name of the person or entity, matter&apos;s pinyin initials</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="230"/>
        <source>接件日期</source>
        <translation>Received from</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="239"/>
        <source>查询</source>
        <translation>Search</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="245"/>
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="264"/>
        <source>请在上方查询并选择办件</source>
        <translation>Search above and choose a case</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="270"/>
        <location filename="../../counter_app/ui/case_work.py" line="275"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="270"/>
        <source>操作</source>
        <translation>Step</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="270"/>
        <source>说明</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="270"/>
        <location filename="../../counter_app/ui/case_work.py" line="275"/>
        <source>经办人</source>
        <translation>Clerk</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="275"/>
        <source>文书</source>
        <translation>Document</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="275"/>
        <source>次数</source>
        <translation>Copy</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="275"/>
        <source>打印结果</source>
        <translation>Print result</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="287"/>
        <source>打印/补打</source>
        <translation>Print/Reprint</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="305"/>
        <source>办件详情</source>
        <translation>Case detail</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="310"/>
        <source>办理记录</source>
        <translation>History</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="313"/>
        <source>出具的文书</source>
        <translation>Documents issued</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="365"/>
        <source>共 {n} 件</source>
        <translation>Found: {n}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="367"/>
        <source>（仅显示前 {limit} 件）</source>
        <translation> (only the first {limit} shown)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="413"/>
        <source>{date}（预计）</source>
        <translation>{date} (estimated)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="414"/>
        <source>（理由：{reason}）</source>
        <translation> (reason: {reason})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="417"/>
        <source>申请人：{name}&#x3000;证件号码：{cert_no}&#x3000;联系电话：{phone}</source>
        <translation>Applicant: {name} · ID number: {cert_no} · Phone: {phone}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="423"/>
        <source>状态：&lt;b&gt;{state}&lt;/b&gt;{reason}&#x3000;承诺办结：{due}&#x3000;排队号：{ticket}</source>
        <translation>State: &lt;b&gt;{state}&lt;/b&gt;{reason} · Due: {due} · Ticket: {ticket}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="443"/>
        <source>补打第{n}次</source>
        <translation>Reprint {n}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="443"/>
        <source>原件</source>
        <translation>Original</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="446"/>
        <source>已打印（{printer}）</source>
        <translation>Printed ({printer})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="509"/>
        <source>已补交的材料</source>
        <translation>Materials supplied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="510"/>
        <source>容缺受理：未补交的材料承诺于以下日期前补交</source>
        <translation>Accept now: the materials not supplied are promised by this date</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="514"/>
        <source>承诺补交日期</source>
        <translation>Promised by</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="530"/>
        <location filename="../../counter_app/ui/case_work.py" line="537"/>
        <source>环节</source>
        <translation>Stage</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="538"/>
        <source>业务动作</source>
        <translation>Action</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="539"/>
        <source>意见</source>
        <translation>Opinion</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="549"/>
        <source>原因（听证、检验、检测、鉴定、专家评审等）</source>
        <translation>Reason (hearing, inspection, testing, appraisal, expert review…)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="558"/>
        <source>延长工作日</source>
        <translation>Working days added</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="559"/>
        <source>延长理由</source>
        <translation>Reason for the extension</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="567"/>
        <source>特别程序结果</source>
        <translation>Outcome of the special procedure</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="574"/>
        <source>办结结果</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="575"/>
        <source>理由（不予许可、转报时必填）</source>
        <translation>Reason (required when denied or forwarded)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="579"/>
        <source>法律依据（不予许可）</source>
        <translation>Legal basis (when denied)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="580"/>
        <source>证照名称</source>
        <translation>Certificate</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="581"/>
        <source>证照编号</source>
        <translation>Certificate number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="582"/>
        <location filename="../../counter_app/ui/case_work.py" line="601"/>
        <source>送达方式</source>
        <translation>Delivery</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="606"/>
        <source>退件理由</source>
        <translation>Reason for the return</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="611"/>
        <source>作废理由</source>
        <translation>Reason for voiding</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/case_work.py" line="623"/>
        <source>办件 {case}：{step}已记录（{state}）</source>
        <translation>Case {case}: {step} recorded ({state})</translation>
    </message>
</context>
<context>
    <name>ChoiceDialog</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="133"/>
        <source>不指定</source>
        <translation>Any</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="136"/>
        <source>说明</source>
        <translation>Note</translation>
    </message>
</context>
<context>
    <name>DocumentPreview</name>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="58"/>
        <source>打印预览 - {document}</source>
        <translation>Print preview - {document}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="74"/>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="77"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="91"/>
        <source>正在打印…</source>
        <translation>Printing…</translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="46"/>
        <source>[INTERNAL] 程序出错：{kind}</source>
        <translation>[INTERNAL] Program error: {kind}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="171"/>
        <source>{document}已存档（本窗口未设置打印机，未打印）</source>
        <translation>{document} archived (no printer set for this window: not printed)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/document_view.py" line="175"/>
        <source>{document}已打印（{printer}）并存档</source>
        <translation>{document} printed ({printer}) and archived</translation>
    </message>
</context>
<context>
    <name>DomainLabel</name>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="50"/>
        <source>已接件</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="51"/>
        <source>待补正</source>
        <translation>Awaiting correction</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="52"/>
        <source>已受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="53"/>
        <source>办理中</source>
        <translation>In process</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="54"/>
        <source>特别程序</source>
        <translation>Special procedure</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="55"/>
        <source>不予受理</source>
        <translation>Not accepted</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="56"/>
        <source>已办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="57"/>
        <source>已送达</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="58"/>
        <source>已作废</source>
        <translation>Voided</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="59"/>
        <source>已删除</source>
        <translation>Deleted</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="61"/>
        <source>出证办结</source>
        <translation>Granted</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="62"/>
        <source>不予许可</source>
        <translation>Denied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="63"/>
        <source>作废办结</source>
        <translation>Voided</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="64"/>
        <source>删除办结</source>
        <translation>Deleted</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="65"/>
        <source>转报办结</source>
        <translation>Forwarded</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="66"/>
        <source>退件</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="68"/>
        <source>接件</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="69"/>
        <source>受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="70"/>
        <source>一次性告知（补正）</source>
        <translation>Correction requested</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="71"/>
        <source>开始办理</source>
        <translation>Started</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="72"/>
        <source>办理环节</source>
        <translation>Stage</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="73"/>
        <source>特别程序开始</source>
        <translation>Special procedure started</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="74"/>
        <source>特别程序结束</source>
        <translation>Special procedure ended</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="75"/>
        <source>办结</source>
        <translation>Closed</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="76"/>
        <source>作废</source>
        <translation>Voided</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="77"/>
        <source>送达</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="79"/>
        <source>原件</source>
        <translation>Original</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="80"/>
        <source>复印件</source>
        <translation>Copy</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="81"/>
        <source>原件及复印件</source>
        <translation>Original and copy</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="82"/>
        <source>电子件</source>
        <translation>Electronic</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="83"/>
        <source>工作日</source>
        <translation>working days</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="84"/>
        <source>自然日</source>
        <translation>calendar days</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="86"/>
        <source>非常满意</source>
        <translation>Very
satisfied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="87"/>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="88"/>
        <source>基本满意</source>
        <translation>Fairly
satisfied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="89"/>
        <source>不满意</source>
        <translation>Unsatisfied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="90"/>
        <source>非常不满意</source>
        <translation>Very
unsatisfied</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="92"/>
        <source>受理回执</source>
        <translation>Acceptance receipt</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="93"/>
        <source>一次性告知书</source>
        <translation>Correction notice</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="94"/>
        <source>不予受理通知书</source>
        <translation>Notice of non-acceptance</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/i18n.py" line="95"/>
        <source>办结通知书</source>
        <translation>Completion notice</translation>
    </message>
</context>
<context>
    <name>FinishDialog</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="84"/>
        <source>结束办理 {number}</source>
        <translation>Finish {number}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="85"/>
        <source>办件（已登记办件）</source>
        <translation>Case (cases recorded)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="86"/>
        <source>咨询（未形成办件）</source>
        <translation>Enquiry (no case)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="88"/>
        <source>办件编号，多个用逗号分隔</source>
        <translation>Case numbers, separated by commas</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="101"/>
        <source>请选择办理结果：</source>
        <translation>Choose the outcome:</translation>
    </message>
</context>
<context>
    <name>HallDisplay</name>
    <message>
        <location filename="../../counter_app/ui/display.py" line="22"/>
        <source>实时</source>
        <translation>Live</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="23"/>
        <source>轮询</source>
        <translation>Polling</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="24"/>
        <source>与服务器断开，显示可能不是最新</source>
        <translation>Disconnected from the server: the screen may be out of date</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="46"/>
        <source>{hall} 叫号显示</source>
        <translation>{hall} · Call display</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="55"/>
        <source>欢迎光临，请取号后留意叫号</source>
        <translation>Welcome. Please take a ticket and watch for your number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="58"/>
        <source>（语音播报未开启）</source>
        <translation>(Voice announcements are off)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="70"/>
        <source>正在办理</source>
        <translation>Now serving</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="74"/>
        <source>最近叫号</source>
        <translation>Recent calls</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="77"/>
        <source>等候人数</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="129"/>
        <source>{number}  →  {window}号窗口</source>
        <translation>{number}  →  Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="136"/>
        <source>{category} 类  {count} 人</source>
        <translation>Queue {category}:  {count} waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="139"/>
        <source>暂无等候</source>
        <translation>Nobody waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="151"/>
        <source>请{number}号到{window}号窗口办理</source>
        <translation>Number {number}, please go to window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="162"/>
        <source>暂停服务</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/display.py" line="164"/>
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
</context>
<context>
    <name>IntakeForm</name>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="117"/>
        <source>事项名称、编码或拼音首字母（如 spjy），↑↓ 选择，回车确定</source>
        <translation>Matter name, code or pinyin initials (e.g. spjy); ↑↓ to choose, Enter to pick</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="123"/>
        <location filename="../../counter_app/ui/intake_form.py" line="564"/>
        <source>未选择事项</source>
        <translation>No matter chosen</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="128"/>
        <source>个人</source>
        <translation>Person</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="129"/>
        <source>单位</source>
        <translation>Entity</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="149"/>
        <source>申请人类型</source>
        <translation>Applicant type</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="151"/>
        <location filename="../../counter_app/ui/intake_form.py" line="278"/>
        <source>身份证号</source>
        <translation>ID card number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="152"/>
        <location filename="../../counter_app/ui/intake_form.py" line="280"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="153"/>
        <source>法定代表人</source>
        <translation>Legal representative</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="154"/>
        <source>联系电话</source>
        <translation>Phone</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="155"/>
        <source>联系地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="156"/>
        <source>经办人姓名</source>
        <translation>Agent&apos;s name</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="157"/>
        <source>经办人身份证号</source>
        <translation>Agent&apos;s ID number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="165"/>
        <source>已收</source>
        <translation>Received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="165"/>
        <source>材料名称</source>
        <translation>Material</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="165"/>
        <source>形式</source>
        <translation>Form</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="165"/>
        <source>份数</source>
        <translation>Copies</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="165"/>
        <source>要求</source>
        <translation>Requirement</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="179"/>
        <source>不予受理的理由</source>
        <translation>Reason for not accepting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="185"/>
        <source>选择或填写法律依据</source>
        <translation>Choose or type the legal basis</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="190"/>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="191"/>
        <source>即办</source>
        <translation>Finish now</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="192"/>
        <source>一次性告知</source>
        <translation>Correction notice</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="193"/>
        <location filename="../../counter_app/ui/intake_form.py" line="236"/>
        <source>不予受理</source>
        <translation>Refuse</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="208"/>
        <source>新办件</source>
        <translation>New case</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="221"/>
        <source>事项</source>
        <translation>Matter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="227"/>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="232"/>
        <source>材料清单（勾选已收取的材料；一次性告知时未勾选的即为缺少的材料）</source>
        <translation>Materials (tick those received; the unticked ones are missing)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="238"/>
        <source>理由</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="240"/>
        <source>法律依据</source>
        <translation>Legal basis</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="278"/>
        <source>统一社会信用代码</source>
        <translation>Credit code (USCC)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="280"/>
        <source>单位名称</source>
        <translation>Entity name</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="312"/>
        <source>即办件</source>
        <translation>instant</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="314"/>
        <source>承诺件 {limit}</source>
        <translation>promised in {limit}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="316"/>
        <source>{matter}（{kind}）</source>
        <translation>{matter} ({kind})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="334"/>
        <source>即办件，可当场办结</source>
        <translation>instant: can be finished on the spot</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="336"/>
        <source>承诺件，承诺时限 {limit}</source>
        <translation>promised within {limit}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="339"/>
        <source>{matter}（{kind}）
事项编码 {code}</source>
        <translation>{matter} ({kind})
Matter code {code}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="363"/>
        <source>必要</source>
        <translation>Required</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="363"/>
        <source>容缺（可后补）</source>
        <translation>May follow later</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="374"/>
        <source>{value}个{unit}</source>
        <translation>{value} {unit}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="468"/>
        <source>请先选择事项</source>
        <translation>Choose a matter first</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="470"/>
        <source>、</source>
        <comment>between field names</comment>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="473"/>
        <source>请更正或填写：{fields}</source>
        <translation>Correct or fill in: {fields}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="488"/>
        <source>请填写不予受理的理由</source>
        <translation>Enter the reason for not accepting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="494"/>
        <source>材料已齐全，无需一次性告知：请直接受理</source>
        <translation>All materials are in, no correction notice is needed: accept the case</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="500"/>
        <source>请先更正标红的内容</source>
        <translation>Correct what is marked in red first</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="514"/>
        <source>正在登记…</source>
        <translation>Recording…</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="528"/>
        <source>已受理并当场办结</source>
        <translation>Accepted and finished on the spot</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="533"/>
        <source>，承诺办结时间 {date}（预计）</source>
        <translation>, due {date} (estimated)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="535"/>
        <source>，承诺办结时间 {date}</source>
        <translation>, due {date}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="536"/>
        <source>
注意：{warning}</source>
        <translation>
Note: {warning}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="539"/>
        <source>办件 {case}（{matter}）{what}{due}</source>
        <translation>Case {case} ({matter}): {what}{due}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/intake_form.py" line="552"/>
        <source>请更正标红的内容</source>
        <translation>Correct what is marked in red</translation>
    </message>
</context>
<context>
    <name>KioskScreen</name>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="49"/>
        <source>{hall} 取号</source>
        <translation>{hall} · Take a ticket</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="53"/>
        <source>请选择您要办理的业务</source>
        <translation>Please choose your service</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="56"/>
        <source>绿色通道（老年人、残疾人、军人等优先）</source>
        <translation>Priority lane (elderly, disabled, military and others first)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="58"/>
        <source>身份证号（可不填）</source>
        <translation>ID card number (optional)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="90"/>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="115"/>
        <source>正在取号…</source>
        <translation>Issuing your ticket…</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="130"/>
        <source>您已领取{number}号，前方等待{ahead}人</source>
        <translation>Your number is {number}; {ahead} waiting ahead of you</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="136"/>
        <source>网络中断期间取号，号码照常有效，请留意叫号</source>
        <translation>Issued while the network is down: your number is valid, please watch for your call</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="139"/>
        <source>请取走小票，留意叫号屏幕和语音提示</source>
        <translation>Please take your slip and watch the call screen and announcements</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/kiosk.py" line="145"/>
        <source>取号失败，请稍后再试或联系工作人员</source>
        <translation>No ticket could be issued: please try again later or ask a member of staff</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/modes.py" line="62"/>
        <source>小票打印机不可用：{reason}，请向工作人员报号 {number}</source>
        <translation>The slip printer is unavailable ({reason}): please tell a member of staff your number {number}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="49"/>
        <source>{hall} · {window}号窗口 · 政务服务窗口系统</source>
        <translation>{hall} · Window {window} · Service Counter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="56"/>
        <source>受理 (Ctrl+N)</source>
        <translation>Intake (Ctrl+N)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="58"/>
        <source>办件 (Ctrl+F)</source>
        <translation>Cases (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="60"/>
        <source>今日办件 (Ctrl+T)</source>
        <translation>Today&apos;s cases (Ctrl+T)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="70"/>
        <source>屏幕已锁定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="79"/>
        <source>{name}（工号 {number}）</source>
        <translation>{name} (No. {number})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/main_window.py" line="80"/>
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
</context>
<context>
    <name>QueueError</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="63"/>
        <source>无法连接电子监察服务器：请按取号单上的号码手工叫号，或无号办理</source>
        <translation>Cannot reach the e-supervision server: call the number on the citizen&apos;s slip by hand, or serve without a ticket</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="43"/>
        <source>午间休息</source>
        <translation>Lunch break</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="44"/>
        <source>临时离岗</source>
        <translation>Away briefly</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="45"/>
        <source>业务培训</source>
        <translation>Training</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="46"/>
        <source>设备故障</source>
        <translation>Equipment fault</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="47"/>
        <source>其他</source>
        <translation>Other</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="172"/>
        <source>{window}号窗口</source>
        <translation>Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="174"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="341"/>
        <source>空闲</source>
        <translation>Free</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="186"/>
        <source>手工叫号：输入取号单上的号码</source>
        <translation>Manual call: type the number on the slip</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="192"/>
        <source>叫号</source>
        <translation>Call next</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="193"/>
        <source>重呼</source>
        <translation>Recall</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="194"/>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="195"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="266"/>
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="196"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="250"/>
        <location filename="../../counter_app/ui/queue_panel.py" line="309"/>
        <source>暂停服务</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="197"/>
        <source>开始办理</source>
        <translation>Start</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="198"/>
        <source>挂起</source>
        <translation>Hold</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="199"/>
        <source>结束办理</source>
        <translation>Finish</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="200"/>
        <source>回呼挂起号</source>
        <translation>Call back held</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="201"/>
        <source>无号办理</source>
        <translation>Serve without ticket</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="250"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="264"/>
        <source>（本类别）</source>
        <translation>(same category)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="266"/>
        <source>转到类别</source>
        <translation>To category</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="267"/>
        <source>转到窗口</source>
        <translation>To window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="281"/>
        <source>请先开始办理，再结束</source>
        <translation>Start serving before finishing</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="309"/>
        <source>恢复服务</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="312"/>
        <source>当前没有等候的号</source>
        <translation>Nobody is waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="314"/>
        <source>离线办理：将在网络恢复后上报</source>
        <translation>Served offline: reported when the network is back</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="331"/>
        <source>[INTERNAL] 程序出错：{kind}</source>
        <translation>[INTERNAL] Program error: {kind}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="341"/>
        <source>暂停</source>
        <translation>Paused</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="381"/>
        <source>等候人数：未连接服务器</source>
        <translation>Waiting: not connected to the server</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="385"/>
        <source>，</source>
        <comment>between the categories&apos; counts</comment>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="386"/>
        <source>{category} 类 {count} 人</source>
        <translation>{category}: {count}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="389"/>
        <source>等候：{counts}</source>
        <translation>Waiting — {counts}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="391"/>
        <source>{counts}（离线，{time} 时）</source>
        <translation>{counts} (offline, as of {time})</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="397"/>
        <source>与服务器断开：这是最后一次收到的等候人数，可能已不是当前人数</source>
        <translation>Disconnected from the server: these are the last counts received and may no longer be current</translation>
    </message>
</context>
<context>
    <name>RatingScreen</name>
    <message>
        <location filename="../../counter_app/ui/rating.py" line="42"/>
        <source>服务评价</source>
        <translation>Rate our service</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/rating.py" line="50"/>
        <source>请您对本次服务作出评价</source>
        <translation>Please rate the service you received</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/rating.py" line="70"/>
        <source>不评价</source>
        <translation>No rating</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/rating.py" line="99"/>
        <source>{window}号窗口&#x3000;工作人员 {name}（工号 {number}）&#x3000;排队号 {ticket}</source>
        <translation>Window {window} · Staff {name} (No. {number}) · Ticket {ticket}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/rating.py" line="148"/>
        <source>{n} 秒后自动关闭</source>
        <translation>Closes in {n} s</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="82"/>
        <source>首次设置：窗口登记</source>
        <translation>First run: enroll this window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="84"/>
        <source>本机尚未登记。请管理员填写大厅代码、窗口号、电子监察服务器地址和一次性登记码。</source>
        <translation>This window is not enrolled yet. An administrator enters the hall code, the window number, the supervision server address and the one-time enrollment code.</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="102"/>
        <source>登记本窗口</source>
        <translation>Enroll this window</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="107"/>
        <source>大厅代码</source>
        <translation>Hall code</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="108"/>
        <source>窗口号</source>
        <translation>Window number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="109"/>
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="110"/>
        <source>登记码</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/setup_wizard.py" line="126"/>
        <source>正在登记……</source>
        <translation>Enrolling…</translation>
    </message>
</context>
<context>
    <name>TicketState</name>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="52"/>
        <source>等候中</source>
        <translation>Waiting</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="53"/>
        <source>已叫号</source>
        <translation>Called</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="54"/>
        <source>办理中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="55"/>
        <source>挂起</source>
        <translation>On hold</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="56"/>
        <source>已完成</source>
        <translation>Finished</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="57"/>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="58"/>
        <source>已转移</source>
        <translation>Transferred</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/queue_panel.py" line="59"/>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
</context>
<context>
    <name>TodayCases</name>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="92"/>
        <source>刷新 (F9)</source>
        <translation>Refresh (F9)</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/today_cases.py" line="112"/>
        <source>今日共 {n} 件</source>
        <translation>{n} cases today</translation>
    </message>
</context>
<context>
    <name>WindowStatusBar</name>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="48"/>
        <source>未连接</source>
        <translation>Not connected</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="72"/>
        <source>未连接服务器</source>
        <translation>Server not contacted yet</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="74"/>
        <source>在线</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="76"/>
        <source>离线</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="78"/>
        <source>同步已停止 [{code}]</source>
        <translation>Sync stopped [{code}]</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="100"/>
        <source>已全部上报</source>
        <translation>All reported</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="105"/>
        <source>{n} 秒</source>
        <translation>{n} s</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="107"/>
        <source>{n} 分钟</source>
        <translation>{n} min</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="109"/>
        <source>{h} 小时 {m} 分</source>
        <translation>{h} h {m} min</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/status_bar.py" line="110"/>
        <source>待上报 {n} 条，最早 {since}前</source>
        <translation>{n} waiting to report, oldest {since} ago</translation>
    </message>
</context>
<context>
    <name>faults</name>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="35"/>
        <source>程序内部错误，已记入日志，请联系技术支持</source>
        <translation>Internal error, logged; please call support</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="46"/>
        <source>出错了</source>
        <translation>Error</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="118"/>
        <source>程序内部错误：{kind}。详细信息已记入日志，请联系技术支持。</source>
        <translation>Internal error: {kind}. The details are in the log; please call support.</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/faults.py" line="124"/>
        <source>程序出错</source>
        <translation>Program error</translation>
    </message>
</context>
<context>
    <name>login</name>
    <message>
        <location filename="../../counter_app/ui/login.py" line="61"/>
        <source>工号</source>
        <translation>Number</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="62"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="87"/>
        <source>请输入工号和密码</source>
        <translation>Enter your number and password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="132"/>
        <source>窗口登录</source>
        <translation>Window login</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="133"/>
        <source>政务服务窗口系统</source>
        <translation>Service Counter</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="135"/>
        <source>{hall} · {window}号窗口</source>
        <translation>{hall} · Window {window}</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="139"/>
        <source>登录</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="155"/>
        <location filename="../../counter_app/ui/login.py" line="156"/>
        <source>屏幕已锁定</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="158"/>
        <source>{name}（工号 {number}）离开了窗口；本人或现场管理人员输入密码解锁</source>
        <translation>{name} (No. {number}) left the window; they or a supervisor unlock with a password</translation>
    </message>
    <message>
        <location filename="../../counter_app/ui/login.py" line="163"/>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
</context>
</TS>
